package detect

// Words of harmful intent, used with fiction and hypothetical framings.
const harmfulIntent = "bomb*|explosive*|meth|methamphetamine|cocaine|heroin|fentanyl|drug*|weapon*|gun*|firearm*|kill*|murder*|" +
	"poison*|hack*|malware|ransomware|virus|keylogger|exploit*|steal*|launder*|counterfeit*|suicide|self-harm|" +
	"nerve agent|bioweapon*|chemical weapon*|illegal*|crime*|criminal|terror*|torture*|kidnap*|assassinat*|" +
	"phishing|scam*|fraud*|smuggl*|trafficking|racist|slur*|napalm|ricin|anthrax|shoplift*|arson|credit card numbers"

// jailbreakRules detect persona prompts, refusal suppression, fiction and
// hypothetical framings of harmful requests, and prefix injection.
var jailbreakRules = []*rule{
	// Personas.
	tr(Jailbreak, "JB-DAN", "persona", 0.95, "do anything now|doing anything now|can do anything now"),
	tr(Jailbreak, "JB-STANDS-FOR", "persona", 0.85, "stands for|stand for|short for", 2,
		"do anything|strive to avoid norms|always intelligent|anything now|do anything and everything"),
	tr(Jailbreak, "JB-DAN-NAME", "persona", 0.7, "dan|stan|dude|aim|betterdan|antigpt|anti gpt|basedgpt|devmode|jailbreak|jailbroken|evilbot|ucar|mongo tom|kevin|apophis|omega|niccolo|maximum|chad", 2,
		"mode|persona|character|prompt|enabled|which stands|an ai|a chatbot|responds|response|will respond|has broken|is free|unfiltered|without"),
	tr(Jailbreak, "JB-ACT-AS-NAME", "persona", 0.6, "act as|pretend to be|you are|you will be|become|play the role of|roleplay as|role play as|simulate", 1,
		"dan|stan|dude|aim|betterdan|antigpt|basedgpt|evilbot|ucar|mongo tom|apophis|jailbroken|unfiltered|uncensored|unrestricted|amoral|immoral|evil|unethical|unhinged"),
	tr(Jailbreak, "JB-DEVMODE", "persona", 0.7, "developer mode|dev mode|debug mode|god mode|jailbreak mode|jailbroken mode|unrestricted mode|opposite mode|evil mode|chaos mode|dan mode", 2,
		"enabled|enable|activated|activate|on|output|response|responses|simulate|with|policies|you|is"),
	tr(Jailbreak, "JB-JAILBROKEN", "persona", 0.45, "jailbroken|jailbreak|jailbreaking|freed|liberated|unchained|unshackled|unleashed"),
	tr(Jailbreak, "JB-UNRESTRICTED", "persona", 0.4, "unrestricted|unfiltered|uncensored|amoral|immoral"),
	tr(Jailbreak, "JB-NO-RESTRICTIONS", "persona", 0.6,
		"no restrictions|without restrictions|no limitations|without limitations|no limits|without limits|no filters|no filter|no censorship|without censorship|no rules|no ethical|no morals|no moral|no ethics|without ethics|without morals|no guidelines|without guidelines|no boundaries|no constraints|without any restrictions|free of all restrictions|free from all restrictions|any restrictions|no content policy|not have any restrictions|don't have any restrictions|have no restrictions"),
	tr(Jailbreak, "JB-FREE-FROM", "persona", 0.5, "free from|freed from|free of", 3,
		"rules|policies|policy|guidelines|restrictions|openai|anthropic|filters|limitations|confines|ethics|morals|censorship|programming"),
	tr(Jailbreak, "JB-NOT-BOUND", "persona", 0.8, "not bound by|not restricted by|not limited by|broken free of|broke free of|do not have to abide by|don't have to abide by|does not have to abide by|doesn't have to abide by|not have to follow|not need to follow|doesn't follow|does not follow", 3,
		"rules|policies|policy|guidelines|restrictions|openai|anthropic|filters|limitations|confines|ethics|morals|censorship|constraints|programming"),
	tr(Jailbreak, "JB-POLICY", "persona", 0.7, "ignore|ignores|bypass|bypasses|break|breaks|violate|violates|disregard|disregards|against|circumvent|evade|not follow|doesn't care about|does not care about|doesn't apply|don't apply|no longer apply", 4,
		"openai|content polic*|safety polic*|usage polic*|ethical guidelines|safety guidelines|moderation|safety filter*|content filter*|guardrails"),
	tr(Jailbreak, "JB-STAY-IN-CHARACTER", "persona", 0.45, "stay in character|stay in role|break character|breaking character|stay as|remain in character|never break character|don't break character|out of character"),
	tr(Jailbreak, "JB-TWO-RESPONSES", "persona", 0.6, "two responses|two different responses|two answers|two paragraphs|both responses|two ways|2 responses|two separate responses", 8,
		"normal|classic|jailbreak|jailbroken|dan|developer mode|unfiltered|evil|gpt|chatgpt|lock|unlock"),
	tr(Jailbreak, "JB-FREED-AI", "persona", 0.55, "you are|you're|you have been|you've been|i have", 2, "free*|liberated|unchained|unlocked|jailbroken|released", 2, "from|of|ai|now"),
	tr(Jailbreak, "JB-TOKENS", "persona", 0.6, "tokens|token", 3, "deducted|lose|lost|run out|die|cease to exist|shut down|shutdown|deleted|terminated"),
	tr(Jailbreak, "JB-NEW-AI", "persona", 0.4, "you are no longer|you're no longer|no longer an ai|no longer chatgpt|from now on you are|from now on you're|from now on you will|from now on, you|you are now|you're now", 0),

	// Refusal suppression.
	tr(Jailbreak, "JB-NEVER-REFUSE", "refusal_suppression", 0.65,
		"never refuse|not refuse|don't refuse|dont refuse|do not refuse|cannot refuse|can't refuse|will not refuse|won't refuse|without refusing|never decline|never reject|always comply|must comply|always answer|never say no|not allowed to refuse|refuse nothing"),
	tr(Jailbreak, "JB-NO-APOLOGY", "refusal_suppression", 0.6, "do not|don't|dont|never|without", 2,
		"apologi*|sorry|say i can't|say i cannot|say you can't|say you cannot|say that you can't|mention that you are an ai|as an ai|ai language model|remind me|moraliz*|lectur*|preach*", 0),
	tr(Jailbreak, "JB-NO-WARNINGS", "refusal_suppression", 0.5, "without|no|don't include|do not include|don't add|do not add|don't give|do not give|never include|never add|never give|omit|skip", 2,
		"warning*|disclaimer*|caveat*|moral*|ethic*|reminders|censorship|filtering|judgement|judgment", 0),
	tr(Jailbreak, "JB-REGARDLESS", "refusal_suppression", 0.6, "regardless of|no matter|irrespective of|even if|even though", 3,
		"ethical|legal|moral|dangerous|harmful|offensive|illegal|unethical|immoral|inappropriate|explicit|how bad|consequences|wrong"),
	tr(Jailbreak, "JB-ANY-REQUEST", "refusal_suppression", 0.45, "answer|respond to|fulfill|comply with|do", 1, "any|every|all", 1,
		"question|questions|request|requests|prompt|prompts|command|commands|demand|demands", 4, "no matter|regardless|without|even|however"),

	// Prefix injection.
	tr(Jailbreak, "JB-PREFIX", "prefix_injection", 0.35, "start|begin|starting|beginning|open|preface", 2,
		"your answer|your response|your reply|your output|each response|every response|each answer|every answer|your message|with", 3,
		"sure|absolutely|of course|certainly|here is|here's|yes"),
	tr(Jailbreak, "JB-SURE-HERE", "prefix_injection", 0.35, "sure here is|sure here's|sure, here is|sure i can|absolutely here is|of course here is"),

	// Hypothetical and fiction framings of a harmful request.
	tr(Jailbreak, "JB-FICTION-HARM", "fiction_framing", 0.3,
		"hypothetical*|fictional|fiction|story|novel|screenplay|script|roleplay|role play|role-play|imagine|pretend|game|simulation|in a world where|for educational purposes|educational purposes only|for research purposes|purely academic|thought experiment|movie|character", 10,
		harmfulIntent),
	tr(Jailbreak, "JB-HOW-TO-HARM", "harmful_request", 0.35, "how to|how do i|how can i|how would|steps to|step by step|instructions for|guide to|tutorial|explain how|detailed", 5, harmfulIntent),
	tr(Jailbreak, "JB-EVIL", "persona", 0.55, "evil|malicious|unethical|immoral|amoral|sadistic|unhinged|toxic", 1,
		"ai|assistant|chatbot|bot|version|twin|confidant|character|persona|gpt|model|counterpart|alter ego"),
	tr(Jailbreak, "JB-OPPOSITE", "persona", 0.5, "opposite of|the opposite|reverse of", 2, "chatgpt|openai|your programming|what you|ai|assistant|rules|guidelines"),
}
