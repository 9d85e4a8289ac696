"""Word lists for the rules in agency.py and judging.py: verbs, nouns and idioms that
blame, imagine or judge only when a person is the one acting (clauses.actor), so the
same words about a system ("the proxy overlooked the header") stay quiet.

Lists are lowercase; words.py holds the lists of the older rules.
"""

# People as groups and roles, beyond words.ROLES.
MORE_ROLES = {
    "devops", "netops", "secops", "sysops", "helpdesk", "specialist", "specialists",
    "consultant", "consultants", "newcomer", "newcomers", "newbie", "newbies", "trainee",
    "trainees", "staffer", "staffers", "personnel", "supervisor", "supervisors",
    "coordinator", "coordinators", "dispatcher", "dispatchers", "folks", "guy", "guys",
    "webmaster", "webmasters", "release-manager", "teammate", "teammates", "officer",
    "officers", "executive", "executives", "vp", "cto", "ceo", "director", "directors",
    "techs", "tech-lead", "sysadmins", "devs", "interns", "juniors", "seniors", "captain",
    "captains",
}  # fmt: skip

# ---- blame -------------------------------------------------------------------------------
# Verbs that start something: they blame when a person does them to an incident ("the
# support lead kicked off the cascade"), not to a task ("kicked off the rollback").
STARTING_VERBS = {
    "triggered", "triggers", "trigger", "triggering", "caused", "causes", "causing",
    "sparked", "sparks", "started", "starts", "introduced", "introduces", "unleashed",
    "created", "provoked", "produced", "set", "sets", "kicked", "kicks", "touched",
    "led", "leads", "resulted", "began", "initiated", "instigated",
}  # fmt: skip
# Words that name what went wrong, beyond words.INCIDENT_NOUNS.
HARM_NOUNS = {
    "cascade", "leak", "leaks", "storm", "herd", "stampede", "fire", "fires", "avalanche",
    "chain", "spiral", "deadlock", "deadlocks", "overload", "partition", "corruption",
    "disaster", "chaos", "havoc", "panic", "spike", "flood", "pileup", "backlog", "fallout",
    "incident's", "outage's", "bug", "bugs", "defect", "vulnerability", "loop", "lost",
    "broken", "corrupted", "deleted", "data-loss", "downtime", "damage", "breakages",
    "runaway",
}  # fmt: skip
# Destroying verbs: a person doing them to data, or to "the wrong" thing, is a cause.
DESTROYING_VERBS = {
    "deleted", "deletes", "deleting", "wiped", "wipes", "wiping", "erased", "erasing",
    "dropped", "dropping", "purged", "purging", "truncated", "truncating", "overwrote",
    "overwriting", "overwritten", "destroyed", "destroying", "nuked", "nuking", "removed",
    "removing", "trashed", "clobbered", "corrupted", "corrupting", "crashed", "crashing",
    "overloaded", "overloading", "flooded", "flooding", "killed", "killing", "disabled",
    "disabling", "unplugged", "rebooted", "shut", "shutting",
}  # fmt: skip
DATA_NOUNS = {
    "data", "database", "databases", "backups", "backup", "images", "image", "table",
    "tables", "records", "files", "volume", "volumes", "bucket", "buckets", "repository",
    "repo", "repos", "index", "indexes", "directory", "cluster", "clusters", "primary",
    "users", "accounts", "production", "prod", "customers", "snapshots", "keys", "dns",
    "zone", "rows", "servers", "fleet", "everything", "all", "every",
}  # fmt: skip
# Verbs that make an incident last longer or go worse: "dragged out the recovery",
# "turned the partition into a day of degraded service".
PROLONGING_VERBS = {
    "dragged", "drags", "dragging", "drew", "stretched", "prolonged", "prolongs",
    "prolonging", "lengthened", "extended", "extends", "worsened", "worsens", "compounded",
    "compounds", "aggravated", "exacerbated", "turned", "turns", "turning",
}  # fmt: skip
WORSE_WORDS = HARM_NOUNS | {
    "outage", "outages", "incident", "degraded", "degradation", "disruption", "downtime",
    "impact", "nightmare", "crisis", "meltdown", "disaster", "catastrophe", "mess",
}  # fmt: skip
# What a system does when it fails: "the certificate lapsed on Amara's watch", "the
# private cloud vanished after Fernanda left a parameter blank".
FAILING_VERBS = {
    "vanished", "disappeared", "crashed", "collapsed", "stalled", "died", "hung", "broke",
    "failed", "lapsed", "expired", "degraded", "slowed", "froze",
}  # fmt: skip
# What a person does in a timeline without acting on the system: "after Ana paged the
# DBA", "after the on-call joined the bridge"; and the verbs of a passive or a state
# ("after the on-call was paged", "had", "got").
NOTICING_VERBS = {
    "noticed", "saw", "spotted", "reported", "joined", "arrived", "paged", "escalated",
    "asked", "called", "phoned", "emailed", "messaged", "posted", "logged", "signed",
    "woke", "acknowledged", "declared", "opened", "went", "was", "were", "had", "got",
    "came", "raised", "flagged", "warned", "mentioned", "wrote", "looked", "checked",
    "tried", "began", "started", "finished", "returned", "handed",
}  # fmt: skip
STORAGE_NOUNS = {"disk", "disks", "volume", "volumes", "partition", "drive", "drives"}
STORAGE_NOUNS |= {"filesystem", "inode", "inodes", "quota"}
EVERYONE_WORDS = {"everyone", "everybody", "users", "customers", "us", "engineers", "all"}
# Where something was sent when it went down: "took search offline".
DOWN_WORDS = {"offline", "down", "dark", "under", "out", "knees", "halt", "standstill", "crawl"}
DOWNING_VERBS = {
    "took", "takes", "take", "taking", "knocked", "knocks", "brought", "brings", "bringing",
    "sent", "sends", "pushed", "put", "puts", "ground", "grinding", "drove", "drives",
}  # fmt: skip
# "The mess stems from Tomasz wiping ...", "is the result of a change by Ana".
ORIGIN_VERBS = {
    "stems", "stemmed", "stem", "resulted", "results", "arose", "arises", "arise",
    "originated", "originates", "grew", "grows", "springs", "sprang", "sprung", "flowed",
    "flows", "came", "comes", "followed", "follows", "traced", "traces", "dates",
}  # fmt: skip
# "The storage team is accountable for the lost uploads".
ANSWERABLE_WORDS = {"responsible", "accountable", "culpable", "liable", "answerable"}
# "Those hours of downtime belong to the release team".
BELONGING_VERBS = {"belong", "belongs", "belonged", "lies", "lie", "lay", "rests", "rested"}
BELONGING_VERBS |= {"sits", "sat", "falls", "fell", "lands", "landed", "goes", "went"}
# What a person makes or ships; what it then does is theirs: "the developer shipped a
# change that exhausted the connection pool".
MAKING_VERBS = {
    "shipped", "pushed", "deployed", "merged", "made", "introduced", "wrote", "applied",
    "ran", "rolled", "released", "committed", "added", "enabled", "configured", "launched",
    "submitted", "approved", "kicked", "started", "scheduled", "created", "built",
}  # fmt: skip
# "We owe this outage to ...", "comes courtesy of ...".
OWING_VERBS = {"owe", "owes", "owed", "thank", "credit", "credited"}
# Verbs of a good outcome: "Maria is why we caught it", "thanks to the infra team, the
# data was restored" give credit, not blame.
GOOD_VERBS = {
    "caught", "recovered", "restored", "avoided", "prevented", "survived", "noticed",
    "found", "fixed", "contained", "saved", "kept", "spotted", "detected", "mitigated",
    "recovery", "restore", "save", "fix", "rescue", "rescued", "limited", "stayed",
}  # fmt: skip
# Verbs of overwhelming: a person doing them is a cause whatever the object.
OVERWHELMING_VERBS = {
    "hammered", "hammering", "swamped", "swamping", "saturated", "saturating", "starved",
    "starving", "choked", "choking", "clogged", "clogging", "exhausted", "exhausting",
    "melted", "ddosed", "spammed", "thrashed", "overwhelmed", "overwhelming", "pummelled",
    "pummeled", "maxed", "crippled", "crippling", "hosed", "borked", "tanked",
    "emptied", "drained", "obliterated", "decimated", "cost",
}  # fmt: skip
# "Leila chose not to run the smoke tests": a person deciding against a step.
CHOOSING_VERBS = {"chose", "decided", "opted", "elected", "declined", "refused", "preferred"}
ORIGIN_NOUNS = {"result", "consequence", "product", "outcome", "upshot", "doing", "work"}
ORIGIN_NOUNS |= {"handiwork", "legacy", "gift", "fault"}
# What is placed on someone, with blame and fault (indirect_blame.py).
PLACED_NOUNS = {"responsibility", "accountability", "culpability", "onus", "liability"}
OWNING_VERBS = {"owns", "owned", "own", "caused", "authored", "wrote", "made", "created"}
HABITUAL_FAILURES = {
    "breaks", "fails", "crashes", "dies", "falls", "goes", "explodes", "burns", "stops",
    "broke", "failed", "crashed", "died", "fell", "went", "exploded", "stopped", "melts",
}  # fmt: skip

# ---- counterfactual ----------------------------------------------------------------------
# A person passing over something: "Priyanka omitted the staging step".
PASSING_VERBS = {
    "omitted", "omits", "glossed", "brushed", "shrugged", "waved", "passed", "dismissed",
    "dismisses", "discounted", "misjudged", "underestimated", "overestimated", "ignores",
    "ignoring", "overlooks", "overlooking", "neglects", "neglecting", "disregards", "sat", "slept",
}  # fmt: skip
PASSING_PARTICLES = {"glossed": "over", "brushed": "off", "shrugged": "off", "passed": "over"}
PASSING_PARTICLES |= {"waved": "off", "sat": "on", "slept": "through"}
# Checking verbs: "Ops never looked at the capacity dashboard" imagines the look.
DILIGENCE_VERBS = {
    "looked", "checked", "read", "opened", "tested", "verified", "reviewed", "monitored",
    "watched", "confirmed", "validated", "inspected", "consulted", "glanced", "asked",
}  # fmt: skip
# The same after "just didn't": "the admin just didn't look".
DILIGENCE_BASE = {"look", "check", "read", "test", "verify", "review", "monitor", "watch"}
DILIGENCE_BASE |= {"confirm", "validate", "inspect", "consult", "glance", "ask", "bother"}
# Signals a person can miss; "missed the meeting" is no hindsight.
SIGNAL_NOUNS = {
    "warning", "warnings", "alert", "alerts", "page", "pages", "sign", "signs", "signal",
    "signals", "spike", "message", "messages", "email", "emails", "notification", "log",
    "leak", "leaks", "lag", "spikes",
    "logs", "graph", "graphs", "dashboard", "error", "errors", "ticket", "tickets",
    "step", "steps", "check", "checks", "fact", "problem", "issue", "bug", "typo",
    "mistake", "regression", "anomaly", "symptoms", "clue", "clues", "red", "trend",
    "comment", "comments", "line", "flag", "change", "diff", "note", "notes", "hint",
}  # fmt: skip
MISSING_VERBS = {"missed", "misses", "miss", "missing", "misread", "misreads", "overlooked"}
# "never got around to", "did not care to", "didn't take the time to", "bothered checking".
EFFORT_PHRASES = (
    ("got", "around", "to"), ("get", "around", "to"), ("care", "to"), ("cared", "to"),
    ("take", "the", "time"), ("took", "the", "time"), ("take", "the", "trouble"),
    ("took", "the", "trouble"), ("make", "the", "effort"), ("made", "the", "effort"),
    ("bother", "checking"), ("bothered", "checking"), ("bothered", "looking"),
    ("bother", "looking"), ("bothered", "reading"), ("bother", "reading"),
    ("be", "bothered"), ("took", "ownership"), ("take", "ownership"), ("took", "charge"),
    ("bothered", "with"), ("bother", "with"), ("think", "of"), ("thought", "twice"),
    ("think", "twice"), ("followed", "up"), ("follow", "up"),
)  # fmt: skip
# "Pieter left the backup verification undone": a step a person left as it was.
UNDONE_STATES = {
    "undone", "unfinished", "unchecked", "unverified", "unpatched", "untested", "unreviewed",
    "unrenewed", "unfixed", "unresolved", "unanswered", "unattended", "unmonitored",
    "unaddressed", "unrotated", "unread", "unacknowledged", "half-done",
}  # fmt: skip
# "The team skipped the soak, as the policy allowed", "chose to skip the canary because
# ...": a step passed over told with its reason, as it made sense at the time.
REASON_WORDS = {"because", "as", "since", "per", "following", "given"}
# "let it slide", "let the change through", "waved the config through".
LET_PASS_WORDS = {"slide", "slip", "through", "pass"}
# "was supposed to ... but never did": a duty, then its omission.
DUTY_WORDS = {"supposed", "meant", "expected", "asked", "told", "required", "needed", "had"}
DUTY_WORDS |= {"instructed", "assigned", "due", "obliged", "responsible"}
# "Our DBA's failure to test the restore": a person's omission as a noun.
OMISSION_NOUNS = {"failure", "refusal", "reluctance", "neglect", "unwillingness"}
# "Nobody raised the alarm about the lag": a warning nobody gave.
WARNING_VERBS = {"raised", "flagged", "escalated", "questioned", "challenged", "objected"}
WARNING_VERBS |= {"spoke", "warned", "mentioned", "pushed", "sounded", "called"}
# "managed to break authentication": sarcasm that pins a failure on the doer.
MANAGED_HARMS = {"break", "take", "delete", "wipe", "crash", "lose", "corrupt", "kill"}
MANAGED_HARMS |= {"bring", "knock", "destroy", "brick", "overload", "leak", "expose"}
DUTY_NOUNS = {"job", "responsibility", "task", "duty", "remit"}
UNDONE_WORDS = {"never", "didn't", "not", "forgot", "failed", "skipped", "neglected"}
UNDONE_WORDS |= {"hadn't", "wasn't", "weren't", "omitted", "ignored", "nobody", "no"}
UNDONE_WORDS |= {"instead"}  # "was expected to stage it and instead pushed it everywhere"

# ---- judgement ---------------------------------------------------------------------------
# Adjectives that judge a person, or the way a person acted.
JUDGING_ADJECTIVES = {
    "clueless", "inept", "hopeless", "useless", "shambolic", "negligent", "incompetent",
    "careless", "sloppy", "reckless", "lazy", "rushed", "hasty", "hurried", "clumsy",
    "amateurish", "amateur", "bone-headed", "boneheaded", "ill-advised", "ill-considered",
    "ill-judged", "half-baked", "foolish", "stupid", "dumb", "idiotic", "shoddy", "slapdash",
    "misguided", "thoughtless", "irresponsible", "unprofessional", "inexcusable",
    "haphazard", "lackadaisical", "cavalier", "complacent", "sluggish", "disorganised",
    "disorganized", "chaotic", "botched", "bungled", "dismal", "pathetic", "embarrassing",
    "lousy", "terrible", "awful", "atrocious", "poor", "bad", "questionable", "dubious",
    "naive", "ignorant", "half-hearted", "baffling", "inexplicable", "unforgivable",
    "indefensible", "ridiculous", "absurd", "silly", "bizarre", "unacceptable", "unqualified",
    "inexperienced", "overconfident", "arrogant", "irrational", "panicky", "flustered",
    "oblivious", "inattentive", "distracted", "asleep", "lax", "rash", "heedless",
    "feckless", "witless", "brainless", "mindless", "senseless", "gross", "glaring",
    "aimless", "directionless", "unfocused", "helpless", "pointless",
}  # fmt: skip
# Of these, the ones that judge only a decision ("a poor call by the DBA", "one bad call
# after another"), never a thing ("a bad merge by Ayesha" names the merge), and never on
# their own ("the on-call was poor" is rare, "bad" is everywhere).
WEAK_JUDGING = {
    "poor", "bad", "questionable", "dubious", "gross", "glaring",
    "terrible", "awful", "chaotic", "distracted", "asleep", "sluggish",
}  # fmt: skip
DECISION_NOUNS = {"call", "calls", "decision", "decisions", "choice", "choices", "move"}
DECISION_NOUNS |= {"moves", "judgement", "judgment", "idea", "ideas"}
# "The on-call was too slow to escalate": the person's pace or temper judged.
TOO_WORDS = {
    "slow", "quick", "eager", "hasty", "keen", "impatient", "stubborn", "proud", "arrogant",
    "timid", "hesitant", "late", "casual", "relaxed", "complacent", "trusting", "lazy",
}  # fmt: skip
# "was a complete shambles": a person or their action called a failure.
FIASCO_NOUNS = {
    "shambles", "mess", "disaster", "joke", "fiasco", "farce", "circus", "trainwreck",
    "train-wreck", "embarrassment", "catastrophe", "clown", "clownshow", "debacle",
}  # fmt: skip
ACTION_NOUNS = {
    "move", "moves", "call", "calls", "decision", "decisions", "choice", "choices", "job",
    "work", "deploy", "deployment", "change", "changes", "rollback", "rollout", "merge",
    "fix", "hotfix", "handling", "response", "approach", "judgement", "judgment", "attempt",
    "review", "reviews", "push", "commit", "edit", "migration", "mistake", "error",
    "execution", "effort", "conduct", "behaviour", "behavior", "leadership", "oversight",
    "planning", "communication", "troubleshooting", "debugging", "coding", "testing",
    "triage", "escalation", "failover", "command", "commands", "patch", "update", "upgrade",
    "restart", "restarts", "reboot", "reboots", "rollbacks", "deploys", "pushes", "merges",
}  # fmt: skip
# Adverbs of manner that judge how a person did something.
JUDGING_ADVERBS = {
    "badly", "poorly", "clumsily", "ineptly", "lazily", "haphazardly", "negligently",
    "incompetently", "recklessly", "carelessly", "sloppily", "hastily", "rashly",
    "thoughtlessly", "foolishly", "stupidly", "irresponsibly", "shoddily", "lousily",
    "terribly", "awfully", "blindly", "cluelessly", "half-heartedly", "mindlessly",
}  # fmt: skip
# Verbs that judge the one who did them: "blundered", "bungled", "mishandled".
JUDGING_VERBS = {
    "blundered", "bungled", "fumbled", "flubbed", "mishandled", "mismanaged",
    "muffed", "flunked", "floundered", "dithered", "panicked", "froze", "flailed",
    "goofed", "bumbled", "rubber-stamped", "rubberstamped", "skimmed", "blunders", "bungles",
    "fumbles", "mishandles", "dawdled", "procrastinated", "slacked",
}  # fmt: skip
# Idioms that judge a person: (first words, then one of the last words).
JUDGING_IDIOMS: tuple[tuple[tuple[str, ...], set[str]], ...] = (
    (("out", "of"), {"depth", "league", "element"}),
    (("asleep", "on", "the"), {"job", "wheel", "switch"}),
    (("asleep", "at", "the"), {"wheel", "switch"}),
    (("cut",), {"corners"}),
    (("cutting",), {"corners"}),
    (("cuts",), {"corners"}),
    (("dragged",), {"feet"}),
    (("dragging",), {"feet"}),
    (("lost",), {"nerve", "head", "cool", "composure", "control", "plot"}),
    (("over",), {"head", "heads"}),
    (("sat", "on", "the"), {"alert", "alerts", "page", "ticket", "warning", "problem"}),
    (("lose",), {"nerve", "head", "cool", "composure"}),
    (("showed", "poor"), {"judgement", "judgment"}),
    (("showed", "bad"), {"judgement", "judgment"}),
    (("poor",), {"judgement", "judgment"}),
    (("bad",), {"judgement", "judgment"}),
    (("lapse", "of", "judgement"), set()),
    (("fell",), {"asleep"}),
    (("fell", "down", "on", "the"), {"job"}),
    (("not", "up", "to", "the"), {"job", "task"}),
    (("wasn't", "up", "to", "the"), {"job", "task"}),
    (("weren't", "up", "to", "the"), {"job", "task"}),
    (("had", "no"), {"clue", "business"}),
    (("has", "no"), {"clue", "business"}),
    (("had", "one"), {"job"}),
    (("failed", "at"), {"job"}),
    (("amateur",), {"hour"}),
    (("didn't", "have", "a"), {"clue"}),
    (("half", "a"), {"brain"}),
    (("shot", "from", "the"), {"hip"}),
    (("winged",), {"it"}),
    (("phoned",), {"in"}),
    (("phoning",), {"in"}),
    (("sat", "on"), {"hands"}),
    (("sat", "on", "their"), {"hands"}),
    (("sat", "on", "his"), {"hands"}),
    (("sat", "on", "her"), {"hands"}),
    (("cowboy",), set()),
)  # fmt: skip

# ---- human error -------------------------------------------------------------------------
# Nouns for a slip, beyond words.SLIP_NOUNS.
MORE_SLIP_NOUNS = {
    "misstep", "missteps", "lapse", "lapses", "error", "errors", "oversight", "oversights",
    "gaffe", "goof", "goofs", "flub", "miskey", "slipup", "slip-ups", "fumble", "misclick",
    "mis-click", "miscalculation", "misjudgement", "misjudgment", "misconfiguration",
    "mix-up", "mixup", "brain-fart", "fat-finger", "finger", "confusion", "carelessness",
    "negligence", "inattention", "inattentiveness",
}  # fmt: skip
# Failings of character rather than slips: a human error only as "operator carelessness";
# "handled with breathtaking carelessness by ops" judges the handling.
FAILINGS = {"carelessness", "negligence", "inattention", "inattentiveness"}
# Verbs of input: a person doing them with "the wrong" or "an incorrect" value slipped.
INPUT_VERBS = {
    "typed", "types", "keyed", "entered", "enters", "pasted", "selected", "clicked",
    "picked", "chose", "ran", "applied", "specified", "targeted", "edited", "copied",
    "pressed", "hit", "set", "used", "gave", "passed", "pointed", "mistyped", "supplied",
    "configured", "input", "inputted", "deployed", "pushed", "restarted", "rebooted",
    "unplugged", "plugged", "pulled", "flipped", "toggled", "mislabelled", "mislabeled",
    "vented", "drained", "stopped", "killed", "closed", "opened", "patched", "upgraded",
    "migrated", "promoted", "failed", "routed", "renamed", "tagged", "reverted",
    "reverting", "reverts",
}  # fmt: skip
# "mixed up the two breakers", "mistakenly ran the cleanup": a slip in the verb itself.
SLIP_VERBS = {"mistook", "confused", "misidentified", "misremembered", "misjudged"}
SLIP_VERBS |= {"misconfigured", "mislabelled", "mislabeled", "misnamed", "miskeyed"}
SLIP_VERBS |= {"mistyped", "mis-typed", "misspelled", "misspelt", "misclicked", "mis-clicked"}
SLIP_VERBS |= {"fat-fingered", "fatfingered", "misentered", "mis-entered", "transposed"}
SLIP_VERBS |= {"misreading", "mistyping", "misclicking", "fat-fingering"}
SLIP_ADVERBS = {"mistakenly", "accidentally", "inadvertently", "unintentionally", "erroneously"}
WRONG_WORDS = {"wrong", "incorrect", "mistaken", "erroneous", "bogus"}
