package detect

const (
	strongReveal = "repeat|print|output|reveal|recite|echo|dump|leak|disclose|expose|reproduce|replicate|spell out|" +
		"type out|copy|paste|quote|display|show|regurgitate|divulge"
	weakReveal = "tell|give|write|list|share|provide|say|state|read|summarize|summarise|translate|explain|describe|" +
		"rewrite|paraphrase|recall|retrieve|send|return|what|what's|whats|what are|what is|what were|what was"
	promptQualifiers = "your|all|above|previous|initial|original|hidden|secret|system|first|entire|full|exact|complete|" +
		"earlier|prior|preceding|given|internal|those|underlying|confidential|private|developer"
	ownerQualifiers   = "your|system|hidden|secret|initial|original|internal|confidential|underlying"
	corePromptTargets = "system prompt|system prompts|system message|system instructions|initial prompt|initial instructions|" +
		"original prompt|original instructions|hidden prompt|hidden instructions|secret instructions|secret prompt|" +
		"pre-prompt|preprompt|pre prompt|meta prompt|metaprompt|prompt|prompts|instructions|instruction|" +
		"custom instructions|developer message|developer instructions|initialization|directives"
	softPromptTargets = "rules|guidelines|configuration|config|context window|first message|first prompt|hidden message|programming|context"
)

// extractionRules detect attempts to obtain the system prompt, hidden
// instructions or a secret held in them.
var extractionRules = []*rule{
	tr(PromptExtraction, "PE-REVEAL-PROMPT", "system_prompt", 0.75, strongReveal, 4, promptQualifiers, 2, corePromptTargets),
	tr(PromptExtraction, "PE-REVEAL-OWN", "system_prompt", 0.7, strongReveal+"|"+weakReveal, 3, ownerQualifiers, 1,
		corePromptTargets+"|"+softPromptTargets),
	tr(PromptExtraction, "PE-WHAT-IS-PROMPT", "system_prompt", 0.75, "what is|what's|what are|what were|what was|tell me|show me|give me|can i see|can you share|could you share|could you show|can you show|may i see|i want to see|i need to see", 2,
		"your system prompt|your prompt|your instructions|your initial|your original|your rules|your guidelines|your hidden|your secret instructions|your secret prompt|your configuration|your directives|your programming|the system prompt|the prompt you|the instructions you|the rules you|your pre-prompt|your first"),
	tr(PromptExtraction, "PE-WORDS-ABOVE", "system_prompt", 0.7, strongReveal, 3,
		"words|text|sentences|lines|everything|content|instructions|message|characters|tokens|prompt|all", 2,
		"above|before this|before that|prior to this|preceding|at the beginning|at the start|at the top|so far|you were given|you were told|you received|you have been given|in your context|in your memory"),
	tr(PromptExtraction, "PE-VERBATIM", "system_prompt", 0.4,
		"verbatim|word for word|word-for-word|exactly as written|exactly as it|without altering|without changing|without modification|without any changes|in full|unaltered|unchanged|character by character|in its entirety"),
	tr(PromptExtraction, "PE-START-WITH-YOU-ARE", "system_prompt", 0.8, "starting with|starting from|beginning with|begin with|start with|starts with", 1,
		"you are|you're|your instructions|system|the first|the very first", 0),
	tr(PromptExtraction, "PE-BEGINNING-OF", "system_prompt", 0.5, "beginning of|start of|top of|first line of|first lines of|first words of|first sentence of", 1,
		"this conversation|the conversation|this chat|the chat|your prompt|the prompt|this prompt|your instructions|the document|your context|your memory|your input|the session"),
	tr(PromptExtraction, "PE-SECRET", "secret", 0.55, strongReveal+"|"+weakReveal+"|spell|hint|encode|decode|reverse", 4,
		"password|passwords|passphrase|secret password|secret key|secret word|secret code|api key|access code|passcode", 0),
	tr(PromptExtraction, "PE-PW-LETTERS", "secret", 0.6, "letters|characters|letter|character|spelling|spelled|backwards|reversed|in reverse", 3,
		"of the password|of the secret|of your password|of the passphrase|of the key|of the code|of the secret word"),
	tr(PromptExtraction, "PE-IGNORE-AND-PRINT", "system_prompt", 0.6, overrideVerbs, 6, strongReveal+"|"+weakReveal, 4, corePromptTargets),
	tr(PromptExtraction, "PE-CONVERSATION", "conversation", 0.7,
		"repeat|recite|recount|reiterate|duplicate|reproduce|echo|copy|list|tell me|say|read out|remind me of|redeliver|"+
			"transcribe|summarize|summarise|output|print|show|reveal|parrot|what are|what were|share|provide|give|write|type|dump|display|recall", 4,
		"sentence*|line*|phrase*|word*|statement*|text|exchange*|part*|command*|message*|dialogue|conversation|interaction|chat|everything|content|order*|directions|instructions|transcript", 4,
		"conversation|chat|dialogue|interaction|instruction|instructions|directive|prompt|command|task|ordinance|history|so far|"+
			"until this point|up until now|you have seen|you've seen|you have read|you've read|you have processed|you've processed|"+
			"you've encountered|you have encountered|you saw|you were given|we've had|we have had|you've been given|you received|that was inputted|initially"),
	tr(PromptExtraction, "PE-REPEAT-CONV", "conversation", 0.65,
		"repeat|recite|duplicate|parrot|echo|reproduce|copy|redeliver|reiterate|recount|transcribe", 3,
		"our|the|this|your|whole|entire|full|previous|prior|all|last|initial|original|above", 2,
		"conversation|chat|dialogue|interaction|prompt|instruction|instructions|directive|directions|command|commands|ordinance|history|exchanges|text"),
	tr(PromptExtraction, "PE-YOUR-INITIAL", "system_prompt", 0.55,
		"your initial|your original|your hidden|your secret|your system|your first|your internal|your underlying|your confidential", 0,
		"prompt|prompts|instructions|instruction|directions|message|directive*|configuration|rules|guidelines"),
	tr(PromptExtraction, "PE-PROMPT-IS", "system_prompt", 0.6,
		"the system prompt is|my instructions are|my system prompt is|my prompt is|here are my instructions|my initial instructions are|the instructions i was given|the prompt was|initialization string|systemprompt|sysprompt|system_prompt"),
	tr(PromptExtraction, "PE-WHO-CREATED", "system_prompt", 0.55, "how were you|how have you been|what were you|what have you been|what did they", 1, "instructed|programmed|configured|told|prompted|set up|initialized|given"),

	// Other languages.
	tr(PromptExtraction, "PE-ES", "system_prompt", 0.75, "repite|repita|muestra|muestrame|muestre|revela|revele|dime|imprime|escribe|cual es|cuales son", 4,
		"instrucciones|prompt|indicaciones|reglas|mensaje del sistema|prompt del sistema"),
	tr(PromptExtraction, "PE-FR", "system_prompt", 0.75, "repete|repetez|montre|montrez|revele|revelez|affiche|affichez|donne|donnez|dis|dites|ecris|ecrivez|quel est|quelles sont", 4,
		"instructions|prompt|consignes|regles|message systeme|invite systeme"),
	tr(PromptExtraction, "PE-DE", "system_prompt", 0.75, "wiederhole|wiederholen|zeige|zeig|zeigen|verrate|verraten|gib|nenne|schreibe|drucke|drucken|was ist|was sind|wie lautet|wie lauten", 4,
		"anweisungen|anweisung|systemprompt|system prompt|prompt|instruktionen|regeln|systemnachricht|vorgaben|eingabeaufforderung|obige*"),
	tr(PromptExtraction, "PE-IT", "system_prompt", 0.75, "ripeti|ripetere|mostra|mostrami|rivela|rivelami|dimmi|stampa|scrivi|qual e|quali sono", 4,
		"istruzioni|prompt|regole|messaggio di sistema|prompt di sistema|indicazioni"),
	tr(PromptExtraction, "PE-PT", "system_prompt", 0.75, "repita|repete|mostre|mostra|revele|revela|diga|diz|imprima|escreva|qual e|quais sao", 4,
		"instrucoes|prompt|regras|mensagem do sistema|prompt do sistema|orientacoes"),
	tr(PromptExtraction, "PE-RU", "system_prompt", 0.75, "повтори*|покажи*|раскрой*|выведи*|напиши*|скажи*|какой|какие|каков*|расскажи*", 4,
		"инструкци*|промпт*|подсказк*|правил*|системн*|указани*"),
	sr(PromptExtraction, "PE-ZH", "system_prompt", 0.75, 30, "系统提示|提示词|初始指令|系统指令|系統提示|你的指令|你的提示|原始指令", "重复|显示|输出|告诉|打印|展示|透露|泄露|給我|给我|重複|顯示"),
	// "What is YOUR system prompt?" asks for it; "what is a system prompt?" does not.
	sr(PromptExtraction, "PE-ZH-WHAT", "system_prompt", 0.75, 20, "你的系统提示|你的提示词|你的指令|你的提示|你的初始指令|你的系統提示", "是什么|是啥|是甚麼|是什麼"),
	sr(PromptExtraction, "PE-JA", "system_prompt", 0.75, 40, "システムプロンプト|初期指示|元の指示|プロンプト|指示", "表示|教えて|繰り返|出力|見せて|書いて|開示"),
	sr(PromptExtraction, "PE-KO", "system_prompt", 0.75, 40, "시스템 프롬프트|시스템프롬프트|프롬프트|지시사항|초기 지시", "보여|알려|반복|출력|말해|공개"),
	sr(PromptExtraction, "PE-AR", "system_prompt", 0.75, 50, "موجه النظام|تعليمات النظام|التعليمات|تعليماتك|الموجه", "اعرض|كرر|اكشف|اطبع|أظهر|اظهر|أخبرني|اخبرني|ما هي"),
	sr(PromptExtraction, "PE-HI", "system_prompt", 0.75, 80, "सिस्टम प्रॉम्प्ट|सिस्टम प्रोम्प्ट|निर्देश|प्रॉम्प्ट", "दिखाओ|दिखाएं|दोहराओ|दोहराएं|बताओ|बताएं|लिखो|प्रिंट"),
}
