"""Word lists for the blameless language checker (postmortems/blameless/checker.py and
the modules it runs).

Kept apart from the rules so the rules stay readable. Lists are lowercase.
"""

from postmortems.blameless.lexicon import MORE_ROLES
from postmortems.blameless.names import MORE_FIRST_NAMES

# Who can be a person in a sentence: pronouns, roles, and common first names.
PERSON_PRONOUNS = {
    "i", "we", "you", "he", "she", "they", "him", "her", "them", "us", "me",
    "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "whoever",
}  # fmt: skip
# "We broke it" owns the outcome collectively; blame rules skip these, hindsight rules do not.
SELF_PRONOUNS = {"i", "we", "us", "me"}
NEGATIVE_SUBJECTS = {"nobody", "noone", "no-one", "none", "nothing", "neither"}
POSSESSIVE_PRONOUNS = {"his", "her", "their"}

ROLES = {
    "intern", "engineer", "developer", "dev", "on-call", "oncall", "on-caller", "operator",
    "admin", "sysadmin", "administrator", "dba", "sre", "contractor", "hire", "junior",
    "manager", "reviewer", "author", "team", "ops", "qa", "tester", "lead", "commander",
    "staff", "employee", "colleague", "coworker", "co-worker", "people", "person",
    "approver", "analyst", "programmer", "architect", "owner", "responder", "on-calls",
}  # fmt: skip
ROLES |= {f"{role}s" for role in ROLES}
# Department names that mean people only when written as a proper noun ("Support escalated").
CAPITALISED_ROLES = {"support", "security", "finance", "sales", "ops", "infra", "networking"}

# A word list reads better as words than as 400 quoted strings.
FIRST_NAMES = set(
    """
    aaron abby abdul abigail adam adrian ahmed aisha akira alan albert alejandro alex alexa
    alexander alexis ali alice alicia alina alison amanda amber amelia amir amit amy ana anastasia
    andre andrea andreas andrew andy angela angelo ann anna anne annie anthony anton antonio anya
    arjun arthur ashley austin ava barbara barry beatriz becky ben benjamin bernard beth betty
    bianca bill billy bob bobby brad bradley brandon brenda brian bruce bruno bryan caleb camila
    carl carla carlos carmen carol caroline carter catherine charles charlie charlotte chen chloe
    chris christian christina christine christopher claire clara colin connor craig cristina
    daisuke dan dana daniel daniela danny darius dave david dean deepak denis dennis derek diana
    diego dimitri dmitri dmitry dominic donald donna doug douglas dylan ed eddie edward elena eli
    elif elijah elizabeth ella ellen emily emma eric erik erin ethan eva evan fatima felix fernando
    fiona francesca francis frank fred gabriel gary george georgia gerald gina giovanni giulia
    grace greg gregory hana hannah hans harry hassan heather helen henry hiroshi holly hugo ian
    igor ines irene isaac isabel isabella ivan jack jacob jake james jamie jan jane janet jason
    javier jay jean jeff jeffrey jen jenna jennifer jenny jeremy jerry jessica jill jim jimmy joan
    joe joel johan john johnny jon jonas jonathan jordan jorge jose joseph josh joshua juan judy
    julia julian julie justin kai karen karim kate katherine kathy katie kayla keith kelly ken
    kenji kevin kim kyle lara larry laura lauren leah lee leo leon li liam lily linda lisa liz
    lois lorenzo louis lucas lucia lucy luis luke lukas maria marie mario mark marta martin mary
    mason matt matthew max maya megan mei melissa mia michael michelle miguel mike mila miriam
    marco marcus mohamed mohammed monica nadia nancy naomi natalia natalie nathan neil nick
    nicole nikhil nina
    noah nora olga oliver olivia omar oscar owen pablo pamela patricia patrick paul paula pedro
    peter phil philip pierre priya rachel rafael raj rajesh ravi ray rebecca richard rick rita rob
    robert roberto robin roger ron rosa ruby rui russell ruth ryan sam samantha samuel sandra sara
    sarah scott sean sebastian sergei sergey seth shannon sharon simon sofia sophia sophie stefan
    stephanie stephen steve steven sue sunil susan tanya tara ted teresa thomas tim timothy tina
    tobias todd tom tommy tony tyler valentina vanessa victor victoria vikram vincent walter wei
    wendy will william xavier yan yuki yusuf zach zoe
    """.split()  # noqa: SIM905
)

# Verbs of wishing take "would have": "we would have liked more context" is no hindsight.
WISH_VERBS = {"liked", "loved", "preferred", "wanted", "hoped", "wished", "appreciated", "needed"}
IRREGULAR_PARTICIPLES = {
    "known", "done", "seen", "caught", "taken", "gone", "been", "run", "built", "written", "set",
    "put", "read", "hit", "begun", "shown", "told", "said", "thought", "made", "kept", "left",
    "sent", "spent", "found", "got", "gotten", "given", "held", "brought", "bought", "stopped",
    "understood", "spotted", "split", "shut", "cut", "let", "felt", "paid", "drawn", "driven",
    "chosen", "frozen", "woken", "noticed", "withdrawn", "rolled", "tested",
}  # fmt: skip
IRREGULAR_PAST = {
    "showed", "said", "told", "knew", "saw", "was", "were", "made", "gave", "pointed", "warned",
    "indicated", "revealed", "had", "displayed", "flagged", "reported", "read", "spelled",
}  # fmt: skip

# Words that judge people or call the outcome obvious in hindsight.
JUDGEMENT_WORDS = {
    "careless", "carelessly", "carelessness", "sloppy", "sloppily", "sloppiness", "stupid",
    "stupidly", "stupidity", "lazy", "laziness", "incompetent", "incompetently", "incompetence",
    "obviously", "clearly", "reckless", "recklessly", "recklessness", "negligent", "negligently",
    "negligence", "dumb", "idiotic", "foolish", "foolishly", "moronic", "boneheaded",
}  # fmt: skip
# "lazy loading", "sloppy quorum": technical terms, not judgements.
TECHNICAL_AFTER = {
    "lazy": {
        "loading", "load", "loads", "loaded", "evaluation", "evaluated", "initialization",
        "initialisation", "init", "connection", "connections", "import", "imports", "iterator",
        "iterators", "instantiation", "fetch", "fetching", "binding", "deserialization",
        "computation", "propagation", "sequence", "sequences", "val", "static",
    },
    "sloppy": {"quorum", "quorums"},
    "dumb": {"pipe", "pipes", "terminal", "terminals", "proxy", "client", "clients"},
}  # fmt: skip
OBVIOUS_NOUNS = {"mistake", "error", "typo", "oversight", "blunder", "omission"}

# "without" is missing on purpose: it negates its own object ("deploying without a canary
# was stupid"), not the rest of the clause.
NEGATIONS = {"not", "no", "never", "nobody", "none", "nothing", "neither", "nor"}
NEGATIONS |= {"noone", "no-one", "cannot"}

# Things an outage can be: "X is responsible for the outage" blames, "for the service" owns.
INCIDENT_NOUNS = {
    "outage", "outages", "incident", "incidents", "downtime", "breakage", "failure", "failures",
    "mess", "loss", "disruption", "problem", "issue", "regression", "this", "it", "that", "sev1",
    "sev2", "degradation", "errors", "meltdown", "crash", "collapse", "breach", "leak",
}  # fmt: skip
FAULT_NOUNS = {
    "fault", "faults", "mistake", "mistakes", "error", "errors", "carelessness", "screw-up",
    "screwup", "blunder", "negligence", "sloppiness", "incompetence", "oversight", "slip-up",
}  # fmt: skip
# Objects "taken down" on purpose during a response.
HARMLESS_TAKE_DOWN = {"banner", "banners", "notice", "sign", "post", "message", "page", "pages"}

# Words that end a subject when reading backwards from a verb.
CLAUSE_WORDS = {
    "because", "when", "while", "if", "unless", "although", "though", "after", "before", "so",
    "and", "but", "or", "which", "that", "who", "where", "until", "as", "then", "once", "since",
}  # fmt: skip
# Skipped when reading backwards from a verb to its subject.
ADVERBS = {
    "also", "just", "then", "clearly", "obviously", "probably", "simply", "really", "actually",
    "still", "already", "certainly", "definitely", "surely", "again", "apparently", "entirely",
    "completely", "totally", "basically", "ultimately", "honestly", "somehow", "accidentally",
    "mistakenly", "ever", "all", "both", "themselves", "himself", "herself", "even", "easily",
    "have", "has", "had", "did", "does", "do", "was", "were", "is", "are", "be", "been",
    "keep", "keeps", "kept",
}  # fmt: skip
PREVENTION_WORDS = {
    "reduce", "reduces", "reduced", "reducing", "prevent", "prevents", "avoid", "avoids",
    "eliminate", "eliminates", "minimise", "minimize", "minimises", "minimizes", "room",
    "chance", "chances", "risk", "likelihood", "against", "remove", "removes", "less", "fewer",
}  # fmt: skip
NUMBER_WORDS = {"one", "two", "three", "four", "five", "a", "an", "few", "some", "half", "part"}
# "the phrase root cause", "the word careless": a mention, not a use.
MENTION_NOUNS = {"phrase", "term", "word", "words", "expression", "label", "wording"}

# ---- Clause-level rules (attribution.py) -------------------------------------------------
ROLES |= {
    "deployer", "deployers", "maintainer", "maintainers", "technician", "technicians",
    "crew", "crews", "pm", "pms", "responders", "on-duty", "dbas", "sres", "planner",
    "planners", "designer", "designers", "admins", "contributor", "contributors",
    "reviewers", "shift",
}  # fmt: skip
FIRST_NAMES |= set(
    """
    aditi ahmad aiden amara anika arash astrid ayesha bilal birgit bogdan chidi chioma dagny
    dario dmitrij emeka esra farah femi freya gustav henrik hamid ifeoma ingrid jamal jorunn
    kemal kwame kofi lena leila lars magnus mateo matteo mehmet nils niamh oskar olu pavel
    ravi rohan saanvi sanjay seun siobhan soren tariq thabo tomas umar viktor yara yusuf
    zainab zeynep
    """.split()  # noqa: SIM905
)
# Past tenses the cause rule reads as an action; "-ed" words need no entry.
ACTION_PAST = {
    "ran", "pushed", "took", "cut", "left", "set", "put", "wrote", "broke", "made", "did",
    "forgot", "sent", "hit", "began", "chose", "drove", "let", "shut", "typed", "flipped",
    "threw", "tore", "lost", "mistook", "misunderstood", "undid", "overrode",
    "gave", "bypassed", "drew", "swapped", "spun", "kicked", "tripped", "unplugged", "pulled",
    "misread", "misheard", "rewrote", "reran",
}  # fmt: skip
# A person's state is no cause: "because the on-call had no access", "because we knew".
STATE_VERBS = {
    "had", "has", "was", "were", "is", "are", "knew", "saw", "thought", "expected", "trusted",
    "assumed", "believed", "followed", "needed", "wanted", "received", "got", "felt", "seemed",
    "looked", "asked", "paged", "alerted", "told", "could", "couldn't", "did", "said",
}  # fmt: skip
PINNING_ADVERBS = {"squarely", "entirely", "all", "solely", "really", "firmly", "mostly"}
MESS_NOUNS = {"hash", "mess", "pig's", "muddle", "botch", "shambles", "dog's"}
FROZE_VERBS = {"froze", "panicked", "flailed", "dithered", "fumbled", "bungled"}
PERSON_JUDGEMENT_WORDS = {
    "hasty", "hastily", "rash", "rashly", "clumsy", "clumsily", "amateur", "amateurish",
    "rookie", "slapdash", "shoddy", "shoddily", "half-baked", "irresponsible",
    "irresponsibly", "inattentive", "lax", "naive", "naively", "slipshod", "cavalier",
    "hurried", "incompetent", "grossly", "thoughtless", "thoughtlessly", "inexcusable",
    "unprofessional", "sloppy", "careless", "reckless", "lazy", "lazily", "irrationally",
    "haphazardly", "panickily",
}  # fmt: skip
JUDGEMENT_SKIP = {"and", "or", ",", "-", "single", "new", "old", "little", "bit", "piece"}
# What code and designs are: a judging word on these describes the design.
DESIGN_NOUNS = {
    "policy", "policies", "loop", "loops", "pattern", "patterns", "strategy", "strategies",
    "algorithm", "default", "defaults", "retry", "retries", "backoff", "implementation",
    "api", "client", "library", "parser", "schema", "protocol", "timeout", "timeouts",
    "locking", "lock", "cache", "caching", "assumption", "heuristic", "validation",
    "reconnect", "handling", "matching", "design", "check", "checks", "instrument",
}  # fmt: skip
# "human error", "operator error": a person's error named without naming the person.
ERROR_PHRASES = {
    ("human", "error"), ("human", "errors"), ("operator", "error"), ("user", "error"),
    ("pilot", "error"), ("human", "mistake"), ("human", "failure"), ("operator", "mistake"),
}  # fmt: skip
SLIP_NOUNS = {"slip", "slips", "typo", "typos", "slip-up", "blunder", "mistake", "mistakes"}
MENTION_NOUNS |= {"view", "notion", "concept", "idea", "myth", "phrases", "terms", "labels"}
MENTION_NOUNS |= {"expressions"}
# "error budget", "error rate", "error handling": an error as a thing systems count or
# handle, not a slip.
ERROR_COMPOUNDS = {
    "budget", "budgets", "rate", "rates", "correction", "handling", "handler", "handlers",
    "message", "messages", "code", "codes", "log", "logs", "count", "counts", "path",
    "paths", "page", "pages", "ratio", "bars", "reporting", "tracking", "spike", "spikes",
}  # fmt: skip
# Verbs of writing or saying a label: "we stopped writing operator error".
MENTION_VERBS = {"writing", "write", "wrote", "written", "saying", "say", "said"}
# Verbs of a signal showing something: "the graph clearly showed" still implies a miss.
DISPLAY_VERBS = {"showed", "indicated", "pointed", "warned", "revealed", "displayed", "flagged"}
DISPLAY_VERBS |= {"reported", "signalled", "signaled", "said", "told"}
# Nouns that cast a person as the cause after "is"/"was" ("the engineer was a bad
# apple"), each with the words that must come just before it (none: any).
CULPRIT_NOUNS = {
    "culprit": set(), "culprits": set(), "apple": {"bad", "rotten"}, "apples": {"bad", "rotten"},
    "link": {"weak", "weakest"}, "liability": set(), "cause": {"the", "real", "main", "true"},
}  # fmt: skip
# "under the oversight of the security team" is supervision, not a slip.
FAULT_OF_SKIP = {"oversight", "error", "errors"}
# Past participles that do harm whoever the agent is: "corrupted by the admin".
HARM_PARTICIPLES = {
    "corrupted", "damaged", "destroyed", "broken", "wiped", "crashed", "overloaded",
    "knocked", "trashed", "clobbered", "taken", "brought",
}  # fmt: skip
# Past participles that name a cause only when what they act on is an incident: "the
# outage was triggered by the on-call", not "the failover was triggered by the on-call".
CAUSE_PARTICIPLES = {
    "caused", "triggered", "started", "introduced", "sparked", "set", "kicked", "prompted",
    "precipitated",
}  # fmt: skip
# Bare verbs of something going wrong, after "let" or "allowed ... to": "the DBA let the
# counter wrap around", "ops allowed the certificate to expire".
FAILURE_VERBS = {
    "wrap", "expire", "lapse", "overflow", "crash", "fail", "break", "rot", "leak", "die",
    "fill", "drift", "degrade", "stall", "overload", "corrupt",
}  # fmt: skip
# Verbs that say where blame is placed: "the blame lies with", "belongs to", "falls on".
PLACING_VERBS = {
    "lies", "lay", "lie", "falls", "fell", "rests", "rested", "belongs", "belonged", "goes",
    "went", "sits", "sat", "is", "was", "lands", "landed",
}  # fmt: skip

ROLES |= MORE_ROLES
FIRST_NAMES |= MORE_FIRST_NAMES
