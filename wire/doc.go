// Package wire holds what the provider wire formats share: JSON bodies
// decoded into generic trees that can be edited and re-encoded without
// losing fields the gateway does not know, and Segments, the texts of a
// request or response with their role and a setter.
package wire
