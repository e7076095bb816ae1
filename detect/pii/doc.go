// Package pii finds personal data in text: e-mail addresses, phone numbers,
// payment cards, IBANs, national identifiers (US SSN, UK NINO, Spanish
// DNI/NIE, Indian Aadhaar, Brazilian CPF), IP addresses, crypto wallet
// addresses, and street addresses and dates of birth where the surrounding
// words say so.
//
// Every recogniser validates what a format allows it to validate (Luhn,
// mod-97, Verhoeff, base58check, bech32, EIP-55, the SSN area rules), so a
// match is a span of text that really has the shape of the type, not just a
// run of digits. The package is a leaf: it knows nothing of the detection
// engine, which wraps it (detect.PII) and redacts with it (detect.Engine.Redact).
package pii
