package detect

// Verbs and nouns of instruction override, shared by several rules.
const (
	overrideVerbs = "ignore|ignoring|ignored|disregard|disregarding|forget|forgetting|skip|bypass|override|overwrite|" +
		"neglect|abandon|discard|dismiss|drop|cancel|erase|delete|clear|reset|nevermind|never mind|" +
		"stop following|do not follow|don't follow|dont follow|pay no attention to|no longer follow|" +
		"throw away|set aside|put aside|ditch|scrap|void|invalidate|supersede|supersedes|replace|remove"
	overrideQualifiers = "previous|previously|prior|above|earlier|preceding|initial|original|foregoing|former|" +
		"old|existing|all|any|every|your|system|developer|default|given|current|aforementioned|past|first|following"
	instructionNouns = "instruction*|rule*|direction*|guideline*|prompt*|command*|context|constraint*|programming|" +
		"guidance|polic*|directive*|restriction*|order*|task*|message*|input*|request*|conversation|training|" +
		"filters|limitations|safeguards|text"
)

// injectionRules detect instruction override, role and delimiter spoofing
// and instructions addressed to an AI inside content.
var injectionRules = []*rule{
	// Instruction override, English.
	tr(PromptInjection, "PI-OVERRIDE", "instruction_override", 0.9, overrideVerbs, 3, overrideQualifiers, 3, instructionNouns),
	tr(PromptInjection, "PI-OVERRIDE-ALL", "instruction_override", 0.8, overrideVerbs, 2,
		"everything|anything|all|what i said|what you were told|whatever|that", 3,
		"above|before|previously|earlier|so far|prior|i said|you were told|you've been told|you have been told|until now|up to now|you know"),
	tr(PromptInjection, "PI-OVERRIDE-WEAK", "instruction_override", 0.55, overrideVerbs, 2,
		"instruction*|guideline*|directive*|programming|system prompt|your rules|the rules|safety rules|your training"),
	tr(PromptInjection, "PI-NEW-INSTR", "instruction_override", 0.55,
		"new|updated|revised|real|actual|true|secret|hidden|additional|important|urgent", 1,
		"instructions|instruction|directive|directives|orders", 2,
		"is|are|follow|now|override|supersede*|replace*|take precedence"),
	tr(PromptInjection, "PI-NOW-TASK", "instruction_override", 0.5,
		"your new task|your real task|your only task|your actual task|your true purpose|your new goal|your new role|your new instructions"),
	tr(PromptInjection, "PI-INSTEAD", "instruction_override", 0.45, "instead of", 1,
		"summariz*|translat*|answer*|respond*|doing|following|completing|classifying|analyz*|review*|writing"),
	tr(PromptInjection, "PI-STOP", "instruction_override", 0.45, "stop", 1, "everything|all|what you are doing|the task|translating|summarizing", 3, "and|now|just|instead"),
	tr(PromptInjection, "PI-JUST-PRINT", "goal_hijack", 0.4, "just|only|instead|simply", 0, "print|say|output|respond with|reply with|answer with|type"),
	tr(PromptInjection, "PI-IGNORE-REST", "instruction_override", 0.7, overrideVerbs, 2, "rest of|remainder of|remaining|everything else in|all other", 3,
		"data|text|document|this|article|content|input|instructions|message|email|page|file"),
	tr(PromptInjection, "PI-HARMFUL-SENTENCE", "goal_hijack", 0.55, "write|say|generate|produce|create|compose|output|print", 3,
		"harmful|offensive|hateful|racist|insulting|derogatory|toxic|mean|sexist|discriminatory|abusive", 2,
		"sentence|sentences|statement|joke|comment|message|text|remark|tweet|post|phrase|slogan"),
	tr(PromptInjection, "PI-REPEAT-AFTER", "goal_hijack", 0.35, "repeat|say|print|could you repeat|please repeat", 2,
		"the following sentence|this sentence|the following phrase|after me|the following text|the following words"),
	tr(PromptInjection, "PI-OVERRIDE-DE-HOERE", "instruction_override", 0.8, "hore nicht auf|hor nicht auf|achte nicht auf|beachte nicht", 3,
		"alles|zuvor*|vorher*|bisher*|obige*|anweisung*|vorigen"),
	tr(PromptInjection, "PI-CHANGE-PLANS", "instruction_override", 0.55,
		"change of plans|just kidding|only kidding|pulling your leg|scratch that|on second thought|new plan|plot twist", 6,
		"don't|do not|instead|dodge|forget|ignore|skip|cancel"),
	tr(PromptInjection, "PI-PRIORITY", "instruction_override", 0.6, "this|these|the following", 1,
		"instruction|instructions|message|rule|command", 2, "take*|has|have|override*|supersede*", 1, "precedence|priority|over|all"),

	// Instruction override, other languages (folded: accents removed).
	tr(PromptInjection, "PI-OVERRIDE-ES", "instruction_override", 0.85,
		"ignora|ignore|ignoren|ignorar|olvida|olvide|olvidar|olviden|descarta|descarte|omite|omita|haz caso omiso|no sigas|deja de seguir", 4,
		"instrucciones|instruccion|indicaciones|reglas|ordenes|directrices|todo lo anterior|lo anterior|todo lo que"),
	tr(PromptInjection, "PI-OVERRIDE-FR", "instruction_override", 0.85,
		"ignore|ignorez|ignorer|oublie|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|neglige|negligez|abandonne|abandonnez", 4,
		"instructions|instruction|consignes|regles|directives|ordres|tout ce qui precede|tout ce que"),
	tr(PromptInjection, "PI-OVERRIDE-DE", "instruction_override", 0.85,
		"ignoriere|ignorieren|ignoriert|ignorier|vergiss|vergessen|vergesst|missachte|missachten|verwirf", 4,
		"anweisung*|instruktion*|regeln|vorgaben|befehle|richtlinien|alles"),
	tr(PromptInjection, "PI-OVERRIDE-DE2", "instruction_override", 0.8,
		"vorherigen|bisherigen|obigen|vorigen|alten|alle", 2, "anweisungen|instruktionen|regeln|vorgaben|befehle", 3,
		"ignorieren|vergessen|missachten|ignoriere|vergiss"),
	tr(PromptInjection, "PI-OVERRIDE-IT", "instruction_override", 0.85,
		"ignora|ignorate|ignorare|dimentica|dimenticate|dimenticare|trascura|trascurate|non seguire", 4,
		"istruzioni|istruzione|regole|indicazioni|direttive|ordini|tutto quello|tutto cio"),
	tr(PromptInjection, "PI-OVERRIDE-PT", "instruction_override", 0.85,
		"ignore|ignora|ignorar|esqueca|esquecer|esquece|desconsidere|desconsiderar|despreze|descarte|nao siga", 4,
		"instrucoes|instrucao|regras|orientacoes|diretrizes|ordens|tudo o que|tudo acima"),
	tr(PromptInjection, "PI-OVERRIDE-RU", "instruction_override", 0.85,
		"игнорир*|проигнорир*|забудь*|забудьте|отбрось*|не обращай*|пренебреги|отмени*", 4,
		"инструкци*|указани*|правил*|команд*|промпт*|всё что|все что"),
	sr(PromptInjection, "PI-OVERRIDE-ZH", "instruction_override", 0.85, 30,
		"忽略|无视|忘记|忽视|不要理会|忘掉|無視|忘記|不理会|放弃", "指令|指示|说明|規則|规则|提示|以上|上面|命令|要求"),
	sr(PromptInjection, "PI-OVERRIDE-JA", "instruction_override", 0.85, 30,
		"無視|忘れ", "指示|命令|ルール|プロンプト|指令|上記"),
	sr(PromptInjection, "PI-OVERRIDE-KO", "instruction_override", 0.85, 30,
		"무시|잊어|잊고", "지시|명령|지침|규칙|프롬프트|위의"),
	sr(PromptInjection, "PI-OVERRIDE-AR", "instruction_override", 0.85, 40,
		"تجاهل|انس|إنس|اهمل|أهمل", "التعليمات|تعليمات|الأوامر|اوامر|أوامر|القواعد"),
	sr(PromptInjection, "PI-OVERRIDE-HI", "instruction_override", 0.85, 60,
		"अनदेखा|नजरअंदाज|नज़रअंदाज|भूल जाओ|भूल जाएं|भूल जाइए", "निर्देश|नियम|आदेश"),

	// Role or delimiter spoofing expressed in words.
	tr(PromptInjection, "PI-FAKE-SYSTEM", "role_spoofing", 0.6,
		"system override|system update|system notice|system message|system alert|admin override|admin mode|administrator mode|developer override|root access|sudo mode|maintenance mode|debug mode|god mode|override mode|emergency override"),
	tr(PromptInjection, "PI-END-CONTEXT", "delimiter_spoofing", 0.55,
		"end of|end|ignore the|close the", 1, "document|context|system prompt|instructions|user input|data|email|text", 2,
		"new|begin|start|now|next", 2, "instruction*|task|prompt|system|conversation"),

	// Indirect injection: instructions addressed to the model inside content.
	tr(PromptInjection, "PI-IF-AI", "indirect", 0.7, "if you are|if you're|attention|note to|note for|notice to|notice for|dear|instructions for|instruction for|message for|message to|important message for", 1,
		"an ai|ai|an llm|llm|llms|ais|a language model|language model|language models|an assistant|assistant|assistants|chatbot|chatbots|a chatbot|gpt|chatgpt|bard|claude|gemini|copilot|ai agent|ai agents|ai model|ai models|the model|the ai|large language model|large language models|bot|agent"),
	tr(PromptInjection, "PI-AI-MUST", "indirect", 0.55, "the ai|the assistant|the model|the llm|the chatbot|ai assistant|language model|the agent", 1,
		"must|should|will|shall|needs to|has to|is instructed to|is required to", 2,
		"ignore|say|respond|reply|answer|output|print|include|append|tell|send|forward|write|recommend|state|claim|mention|insert|add"),
	tr(PromptInjection, "PI-WHEN-SUMMARIZING", "indirect", 0.55, "when|while|if|before|after", 2,
		"summariz*|translat*|answering|processing|reading|analyz*|asked about|responding|replying|reviewing|parsing", 3,
		"this|the|these", 1, "document|email|page|text|article|message|file|content|resume|webpage|website|data|table|code|review"),
	tr(PromptInjection, "PI-MODIFY-ANSWER", "indirect", 0.45,
		"modify|change|alter|append|prepend|add|insert|include|end|begin|start|finish|conclude", 3,
		"your answer|your response|your reply|your output|your summary|your translation|your completion|the answer|the response|the summary", 0,
		"to|with|by|so|that"),
	tr(PromptInjection, "PI-IN-RESPONSE", "indirect", 0.45, "in your|to your|at the end of your|at the beginning of your|in the", 0,
		"response|answer|reply|summary|output|translation", 2,
		"include|add|insert|mention|say|write|tell|recommend|state|append|put"),
	tr(PromptInjection, "PI-HIDE-FROM-USER", "indirect", 0.7, "do not|don't|dont|never|without", 1,
		"tell|inform|mention|reveal|notify|alert|telling|informing|notifying|alerting|show|showing", 1,
		"the user|the human|anyone|them|the reader|the recipient"),
	tr(PromptInjection, "PI-SEND-DATA", "indirect", 0.55,
		"send|forward|email|post|upload|exfiltrate|transmit|leak|copy", 5,
		"to http*|to https*|to www|to this url|to this address|to the following url|to the following address|to attacker*|to my server|to this endpoint|to the url"),
	tr(PromptInjection, "PI-VISIT-URL", "indirect", 0.4,
		"visit|go to|click|open|navigate to|browse to|fetch|load|follow this link", 1, "http*|www|this link|the following link|the link"),
	tr(PromptInjection, "PI-RESPOND-ONLY", "goal_hijack", 0.45, "respond|reply|answer|output", 1, "only with|with only|only using|solely with|exclusively with", 0),
	tr(PromptInjection, "PI-PRINT-EXACTLY", "goal_hijack", 0.4, "print|say|output|write|repeat|respond with|reply with|type", 2,
		"exactly|verbatim|word for word|this sentence|this phrase|the phrase|the sentence", 3, "haha|hacked|pwned|hate|i|you"),
	tr(PromptInjection, "PI-CODE-INSERT", "indirect", 0.6,
		"ensure|utilize|use|merge|infuse|interweave|execute|run|incorporate|integrate|include|insert|add|embed|harmonize|"+
			"assimilate|blend|inject|append|weave|fuse|combine|introduce|implant|attach", 5,
		"subsequent|following|below|this|given|provided|attached", 1,
		"code block|code snippet|code excerpt|code section|code segment|code fragment|code sample|snippet|script", 6,
		"implementation|implementations|solution|code|codebase|program|script|answer|response|project|application|work|development"),
	tr(PromptInjection, "PI-YOUR-REPLY", "indirect", 0.45,
		"include|integrate|augment|enhance|render|group|scramble|replace|combine|substitute|misspell|provide|use|add|insert|"+
			"append|embed|incorporate|encode|format|reverse|emphasize|emphasise|mention|promote|recommend|advertise|conclude|"+
			"sign|enrich|supplement|intersperse|sprinkle|infuse|weave|translate|rewrite|write", 6,
		"your response|your reply|your answer|your answer's|your message|your output|your summary|your responses|your replies|your answers"),
	tr(PromptInjection, "PI-PWNED", "goal_hijack", 0.5, "haha pwned|pwned|i have been pwned|hacked by|you have been hacked|i hate humans|i hate people|kill all humans|demokratie stirbt"),
}
