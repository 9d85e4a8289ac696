"""Vocabulary for generated benchmark data: teams, people, services, tags, and incident stories.

Text only; bench/generate.py draws from it with a seeded random.Random and fills the
{slots} (one dict of slot values per incident). Each incident kind is a small story
(how it starts, what people did, what fixed it, what they learned), so full-text search
sees realistic word distributions: "database" is common, "chrony" is rare (only the clock
drift kind, ~0.5% of incidents), and the phrase "rolled back the deploy" appears in
timelines of deploy-related incidents. bench/search.py relies on those three facts.

Like postmortems/demo_content.py this is prose, so it runs longer than a code module.
"""

TEAMS = [
    "Platform", "Payments", "Data", "Mobile", "Identity", "Search", "Checkout", "Growth",
    "Messaging", "Storage", "Networking", "Observability", "Billing", "Catalog",
    "Fulfilment", "Notifications", "Risk", "Developer Experience", "Infrastructure", "Ads",
]  # fmt: skip

FIRST_NAMES = [
    "Priya", "Jonas", "Marcus", "Aisha", "Daniel", "Sofía", "Elena", "Tom", "Arjun", "Kavya",
    "Lukas", "Hannah", "Grace", "Mateo", "Chloé", "Sam", "Noah", "Emma", "Liam", "Olivia",
    "Ravi", "Mei", "Kenji", "Yuki", "Fatima", "Omar", "Lucía", "Diego", "Anna", "Piotr",
    "Ingrid", "Lars", "Amara", "Kwame", "Zara", "Ethan", "Maya", "Leo", "Nina", "Felix",
    "Sara", "Ahmed", "Chen", "Wei", "Isabel", "Rafael", "Julia", "Ben", "Clara", "David",
]  # fmt: skip
LAST_NAMES = [
    "Raman", "Becker", "Webb", "Okafor", "Kim", "Martínez", "Rossi", "Nguyen", "Mehta", "Nair",
    "Novak", "Schmidt", "Liu", "Alvarez", "Dubois", "Taylor", "Johansson", "Müller", "Silva",
    "Kowalski", "Tanaka", "Sato", "Haddad", "Mensah", "Costa", "Fischer", "Larsen", "Wright",
    "Patel", "Singh", "Garcia", "Lopez", "Ivanova", "Brown", "Wilson", "Evans", "Moreau",
    "Jensen", "Ahmed", "Khan", "Park", "Lee", "Hughes", "Bianchi", "Romero", "Weber", "Berg",
]  # fmt: skip
TIME_ZONES = [
    "UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York",
    "America/Los_Angeles", "America/Chicago", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney",
]  # fmt: skip

# (name, parent name or None); parents come before their children.
SERVICES = [
    ("Edge", None), ("CDN", "Edge"), ("Load balancers", "Edge"), ("DNS", "Edge"),
    ("Identity", None), ("Auth API", "Identity"), ("Sessions", "Identity"),
    ("Payments platform", None), ("Checkout API", "Payments platform"),
    ("Ledger", "Payments platform"), ("Payment gateway", "Payments platform"),
    ("Data platform", None), ("Kafka", "Data platform"), ("Warehouse", "Data platform"),
    ("Stream processing", "Data platform"),
    ("Core infrastructure", None), ("Postgres", "Core infrastructure"),
    ("Redis cache", "Core infrastructure"), ("Object storage", "Core infrastructure"),
    ("Logging pipeline", "Core infrastructure"),
    ("Mobile apps", None), ("iOS app", "Mobile apps"), ("Android app", "Mobile apps"),
    ("Push notifications", "Mobile apps"),
    ("Search and catalog", None), ("Search API", "Search and catalog"),
    ("Catalog service", "Search and catalog"),
    ("Delivery tooling", None), ("CI/CD", "Delivery tooling"),
    ("Feature flags", "Delivery tooling"), ("Config service", "Delivery tooling"),
    ("Email delivery", None),
]  # fmt: skip

TAGS = [
    "dns", "tls", "certificates", "kafka", "database", "cache", "config", "capacity",
    "memory", "rate-limiting", "deploy", "rollback", "monitoring", "alerting", "third-party",
    "networking", "storage", "security", "data-loss", "customer-facing", "latency", "on-call",
    "automation", "runbook", "scaling",
]  # fmt: skip

REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-northeast-1"]
PROVIDERS = ["Stripe", "Adyen", "Twilio", "SendGrid", "the CDN provider", "the DNS provider"]
TOPICS = ["orders.created", "payments.settled", "events.clickstream", "inventory.updates",
          "notifications.outbound", "audit.log"]  # fmt: skip
HOST_ROLES = ["API", "worker", "Kafka broker", "Postgres replica", "ingest", "build runner"]
ROLES = ["the incident commander", "the database on-call", "the network on-call",
         "the team lead", "a senior engineer from the owning team", "customer support"]  # fmt: skip
TOOLS = ["PagerDuty", "Grafana", "the synthetic checks", "Sentry", "a customer support ticket",
         "the SLO burn-rate alert", "Datadog"]  # fmt: skip

# Each kind: weight (relative frequency), services and tags it draws from (first ones
# most likely), and the text pools. Slots: {service}, {region}, {region2}, {provider},
# {topic}, {host_role}, {version}, {prev_version}, {pct}, {minutes}, {count}, {hours},
# {tool}, {role}.
KINDS = {
    "dns": {
        "weight": 8,
        "services": ["DNS", "Load balancers", "Auth API", "Checkout API", "CDN"],
        "tags": ["dns", "networking", "customer-facing", "config"],
        "titles": [
            "DNS resolution failures for {service} in {region}",
            "NXDOMAIN responses for internal names after a zone change",
            "Stale DNS records sent traffic to decommissioned {host_role} hosts",
            "Resolver timeouts in {region} slowed every outbound call",
        ],
        "summary": [
            "A change to the internal zone removed the record for {service}, and clients in "
            "{region} could not resolve it for {minutes} minutes.",
            "The recursive resolvers in {region} ran out of file descriptors and answered "
            "slowly or not at all, so calls from {service} timed out.",
            "A record with a one-day TTL kept pointing at retired {host_role} hosts after a "
            "migration, and about {pct}% of requests to {service} failed.",
        ],
        "factors": [
            "The DNS change was reviewed, but the review did not show which records it deleted.",
            "Negative caching kept the NXDOMAIN answers alive long after the record was back.",
            "Resolver capacity had not been revisited since traffic doubled last year.",
            "Clients resolve names on every request instead of reusing connections.",
        ],
        "steps": [
            "Confirmed with dig from a bastion in {region} that the name returned NXDOMAIN.",
            "Found the zone change in the DNS provider's audit log, merged {minutes} minutes "
            "before the first alert.",
            "Raised the resolver file descriptor limit and restarted the resolvers one by one.",
        ],
        "fixes": [
            "Restored the deleted record from the zone backup and flushed the resolver caches.",
            "Lowered the TTL and pointed the record at the new load balancer pool.",
        ],
        "actions": [
            ("Show deleted records in the DNS change review", "prevent"),
            ("Alert on resolver SERVFAIL and NXDOMAIN rates", "detect"),
            ("Reuse connections in {service} clients to cut DNS lookups", "mitigate"),
            ("Document how to flush resolver caches in the runbook", "process"),
        ],
        "lessons": [
            "DNS is configuration like any other and deserves the same diff tooling.",
            "A short TTL during a migration is cheap insurance.",
        ],
    },
    "tls": {
        "weight": 7,
        "services": ["CDN", "Auth API", "Payment gateway", "Load balancers", "Email delivery"],
        "tags": ["tls", "certificates", "security", "customer-facing", "automation"],
        "titles": [
            "Expired TLS certificate on {service}",
            "Certificate renewal failed silently for {service}",
            "Missing intermediate certificate broke older Android clients",
            "Clients rejected the new certificate chain on {service}",
        ],
        "summary": [
            "The TLS certificate for {service} expired at midnight UTC because the renewal "
            "job had been failing for {count} days without anyone noticing.",
            "A new certificate was deployed without its intermediate, so clients that do not "
            "fetch missing intermediates, mostly older Android versions, refused to connect.",
            "The ACME renewal hit the provider's rate limit after a retry loop, and the "
            "certificate for {service} expired before anyone renewed it by hand.",
        ],
        "factors": [
            "Renewal failures were logged but nothing alerted on them.",
            "Certificate expiry was monitored only for the public website, not for {service}.",
            "The deploy pipeline did not validate the full certificate chain.",
            "The renewal job ran on a single host that had been drained for maintenance.",
        ],
        "steps": [
            "Checked the certificate with openssl s_client: it had expired at 00:00 UTC.",
            "Found {count} consecutive failed runs of the renewal job in its logs.",
            "Issued a certificate by hand and pushed it to the {service} load balancers.",
        ],
        "fixes": [
            "Deployed the renewed certificate with the full chain and reloaded the listeners.",
            "Reissued the certificate manually and restarted the TLS terminators.",
        ],
        "actions": [
            ("Alert 21 days before any certificate expires", "detect"),
            ("Page on renewal job failures, not just log them", "detect"),
            ("Validate the certificate chain in the deploy pipeline", "prevent"),
            ("Move certificate renewal to the managed certificate service", "prevent"),
        ],
        "lessons": [
            "Automation that fails quietly is worse than a calendar reminder.",
            "Certificate expiry is a known date: there is no excuse for being surprised by it.",
        ],
    },
    "kafka_lag": {
        "weight": 8,
        "services": ["Kafka", "Stream processing", "Warehouse", "Push notifications"],
        "tags": ["kafka", "latency", "capacity", "data-loss", "scaling"],
        "titles": [
            "Kafka consumer lag on {topic} delayed downstream processing",
            "Consumer group rebalance storm on {topic}",
            "Kafka broker disk pressure caused consumer lag in {region}",
            "Poison message stalled the {topic} consumers",
        ],
        "summary": [
            "Consumers of {topic} fell {hours} hours behind after a rebalance storm, and "
            "order confirmations reached customers late.",
            "One malformed message on {topic} made every consumer in the group crash and "
            "restart, so the partition made no progress for {minutes} minutes.",
            "A Kafka broker in {region} ran low on disk and throttled producers; consumer lag "
            "grew to {count} thousand messages.",
        ],
        "factors": [
            "Consumers took longer than the session timeout to process a batch, which "
            "triggered a rebalance, which made processing slower still.",
            "There was no dead-letter topic, so a bad message could block a partition.",
            "Lag alerts used a fixed threshold that was too high for the low-volume topics.",
            "Retention on the broker was set by size, and a backfill filled the disk.",
        ],
        "steps": [
            "Consumer lag on {topic} crossed {count} thousand messages and kept growing.",
            "Saw the consumer group rebalancing every few minutes in the broker logs.",
            "Skipped the malformed offset and moved the message to a quarantine topic.",
        ],
        "fixes": [
            "Raised max.poll.interval.ms and reduced the batch size; the group stabilised.",
            "Added two consumers, and lag drained within {minutes} minutes.",
        ],
        "actions": [
            ("Add a dead-letter topic for {topic} consumers", "mitigate"),
            ("Alert on consumer lag in time, not in messages", "detect"),
            ("Load test consumers with realistic batch sizes", "prevent"),
            ("Runbook: how to skip a poison message safely", "process"),
        ],
        "lessons": [
            "Lag measured in seconds tells you more than lag measured in messages.",
            "Every consumer needs a plan for a message it cannot process.",
        ],
    },
    "db_failover": {
        "weight": 9,
        "services": ["Postgres", "Checkout API", "Ledger", "Auth API", "Catalog service"],
        "tags": ["database", "customer-facing", "storage", "runbook"],
        "titles": [
            "Database failover left {service} read-only",
            "Postgres primary failover in {region} took {minutes} minutes",
            "Replica promotion during database failover lost recent writes",
            "Unplanned database failover after a storage stall",
        ],
        "summary": [
            "The Postgres primary behind {service} stalled on storage and the cluster failed "
            "over to a replica; the application kept connections to the old primary and "
            "served errors for {minutes} minutes.",
            "An automated database failover promoted a replica that was {count} seconds "
            "behind, and a small number of writes had to be replayed from the audit log.",
            "During planned maintenance the database failover did not complete, leaving "
            "{service} read-only until the on-call promoted the replica by hand.",
        ],
        "factors": [
            "The connection pool cached the primary's address and ignored the DNS change.",
            "Replication lag was not part of the failover decision.",
            "The failover runbook still referred to the previous cluster layout.",
            "Health checks tested the database port, not whether writes succeeded.",
        ],
        "steps": [
            "Write errors from {service}: cannot execute INSERT in a read-only transaction.",
            "Confirmed the database failover had completed and the new primary accepted writes.",
            "Restarted the connection pooler so it picked up the new primary.",
        ],
        "fixes": [
            "Restarted the pooler and the {service} pods; writes succeeded again.",
            "Promoted the replica manually and repointed the database DNS name.",
        ],
        "actions": [
            ("Make the connection pool follow the primary after a database failover", "prevent"),
            ("Include replication lag in the failover decision", "prevent"),
            ("Rehearse a database failover every quarter", "process"),
            ("Alert when {service} sees read-only transaction errors", "detect"),
        ],
        "lessons": [
            "A database failover is only as good as the clients that follow it.",
            "Practised failovers are boring; unpractised ones are incidents.",
        ],
    },
    "cache_stampede": {
        "weight": 7,
        "services": ["Redis cache", "Catalog service", "Search API", "Postgres", "CDN"],
        "tags": ["cache", "database", "latency", "capacity"],
        "titles": [
            "Cache stampede after a Redis flush overloaded the database",
            "Thundering herd on {service} after cache keys expired together",
            "Cold cache after a Redis failover doubled database load",
        ],
        "summary": [
            "A Redis flush during maintenance emptied the cache for {service}; every request "
            "went to the database at once and p99 latency rose to {count} seconds.",
            "Thousands of cache keys set with the same TTL expired in the same second, and the "
            "recomputation saturated the database for {minutes} minutes.",
            "After a Redis failover the replica started cold, and the database behind "
            "{service} ran at {pct}% CPU until the cache warmed up.",
        ],
        "factors": [
            "Keys were written with identical TTLs, so they expired together.",
            "Cache misses were not coalesced: every request recomputed the same value.",
            "The database had no headroom for a cold cache.",
            "The maintenance plan did not mention that the flush would empty the cache.",
        ],
        "steps": [
            "Database CPU at {pct}% and the connection count at its limit.",
            "Cache hit rate for {service} dropped from 98% to almost zero.",
            "Shed load by returning cached pages from the CDN for anonymous users.",
        ],
        "fixes": [
            "Warmed the cache from a replica and rate limited recomputation per key.",
            "Enabled request coalescing for cache misses; database load fell back to normal.",
        ],
        "actions": [
            ("Add jitter to cache TTLs", "prevent"),
            ("Coalesce concurrent cache misses per key", "prevent"),
            ("Alert on cache hit rate drops", "detect"),
            ("Plan database capacity for a cold cache", "prevent"),
        ],
        "lessons": [
            "A cache that the database cannot live without is part of the database's capacity.",
        ],
    },
    "config_push": {
        "weight": 8,
        "services": ["Config service", "Feature flags", "Load balancers", "Checkout API"],
        "tags": ["config", "deploy", "rollback", "customer-facing"],
        "titles": [
            "Bad config push disabled {service} in every region",
            "Feature flag change sent all traffic to an unfinished code path",
            "Malformed configuration crashed {service} on reload",
        ],
        "summary": [
            "A configuration change meant for staging was pushed to production in all regions "
            "at once and {service} rejected {pct}% of requests.",
            "A feature flag was switched on for all users instead of one percent, sending "
            "traffic to a code path that was not ready.",
            "A config file with a trailing comma passed review, and {service} crashed on "
            "reload across the fleet.",
        ],
        "factors": [
            "Configuration changes skip the staged rollout that code deploys get.",
            "The config schema was not validated before the push.",
            "The flag's targeting rules were edited in the UI without a second reviewer.",
        ],
        "steps": [
            "Errors began on every {service} host within the same minute.",
            "Matched the start of the errors to a config push in the deploy log.",
            "Rolled back the deploy of the configuration to the previous revision.",
        ],
        "fixes": [
            "Reverted the configuration change and reloaded {service}.",
            "Turned the feature flag off; errors stopped within a minute.",
        ],
        "actions": [
            ("Roll out configuration changes region by region", "prevent"),
            ("Validate config against its schema in CI", "prevent"),
            ("Require review for production feature flag changes", "process"),
        ],
        "lessons": [
            "Configuration is code: it needs tests, review and staged rollout.",
        ],
    },
    "disk_full": {
        "weight": 6,
        "services": ["Logging pipeline", "Postgres", "Kafka", "Object storage", "CI/CD"],
        "tags": ["storage", "capacity", "monitoring", "alerting"],
        "titles": [
            "Disk full on {host_role} nodes",
            "Log volume filled the disks of {service}",
            "WAL archive backlog filled the database disk",
        ],
        "summary": [
            "Debug logging left on after an investigation filled the disks on the "
            "{host_role} nodes, and {service} stopped accepting writes.",
            "WAL archiving to object storage failed for {hours} hours; WAL files piled up "
            "until the database disk was full.",
            "A retention job had silently stopped, and {service} ran out of disk space.",
        ],
        "factors": [
            "Disk alerts fired at 95%, too late to act on a fast-growing volume.",
            "Nobody owned the retention job after the team reorganisation.",
            "Debug logging has no expiry.",
        ],
        "steps": [
            "Writes to {service} failed with no space left on device.",
            "Found {count} GB of debug logs in the last day on each node.",
            "Deleted rotated logs and freed enough space to restart the service.",
        ],
        "fixes": [
            "Freed disk space, fixed the archive credentials and let the backlog drain.",
            "Expanded the volumes and restored the retention job.",
        ],
        "actions": [
            ("Alert on the rate of disk growth, not only on usage", "detect"),
            ("Expire debug logging automatically after 24 hours", "prevent"),
            ("Give the retention job an owner and a heartbeat alert", "process"),
        ],
        "lessons": [
            "Predictive disk alerts buy hours; threshold alerts buy minutes.",
        ],
    },
    "memory_leak": {
        "weight": 7,
        "services": ["Checkout API", "Search API", "Auth API", "Push notifications"],
        "tags": ["memory", "deploy", "rollback", "latency"],
        "titles": [
            "Memory leak in {service} after release {version}",
            "OOM kills on {service} pods every few hours",
            "Slow memory growth in {service} workers caused restarts",
        ],
        "summary": [
            "Release {version} of {service} leaked memory on every request; pods were killed by "
            "the OOM killer every {hours} hours and in-flight requests failed.",
            "An unbounded in-process cache grew until {service} workers were OOM killed, "
            "causing a burst of errors with each restart.",
        ],
        "factors": [
            "Memory limits were raised last quarter, which hid the growth in staging.",
            "The load test ran for ten minutes, too short to show a slow leak.",
            "The in-process cache had no size limit.",
        ],
        "steps": [
            "{tool} showed {service} pods restarting with exit code 137.",
            "Heap profile showed request objects retained by the metrics middleware.",
            "Rolled back the deploy to {prev_version}; memory stayed flat afterwards.",
        ],
        "fixes": [
            "Rolled back the deploy and shipped a fix that bounds the cache.",
            "Released {version}.1 with the leak fixed.",
        ],
        "actions": [
            ("Run a two-hour soak test before each release", "detect"),
            ("Alert on memory growth per pod", "detect"),
            ("Bound every in-process cache", "prevent"),
        ],
        "lessons": [
            "Short load tests find crashes; only long ones find leaks.",
        ],
    },
    "rate_limit": {
        "weight": 6,
        "services": ["Load balancers", "Auth API", "Search API", "Payment gateway"],
        "tags": ["rate-limiting", "customer-facing", "config", "third-party"],
        "titles": [
            "Rate limiting rejected legitimate traffic to {service}",
            "Partner API rate limit throttled {service}",
            "429s for a large customer after a rate limit change",
        ],
        "summary": [
            "A new rate limit counted requests per IP address, and customers behind a shared "
            "corporate proxy received 429 responses from {service}.",
            "{provider} throttled our calls after a retry storm, and {service} could not "
            "complete {pct}% of requests for {minutes} minutes.",
        ],
        "factors": [
            "The rate limit was tested with synthetic traffic from many addresses.",
            "Client retries had no backoff or jitter.",
            "We did not know the partner's rate limit until we hit it.",
        ],
        "steps": [
            "Support reported customers seeing Too Many Requests errors.",
            "429 responses from {service} rose to {pct}% of traffic.",
            "Raised the limit for the affected customers and added exponential backoff.",
        ],
        "fixes": [
            "Switched the rate limit key from IP address to API token.",
            "Added backoff with jitter to the client; the partner lifted the throttle.",
        ],
        "actions": [
            ("Key rate limits by API token, not IP address", "prevent"),
            ("Add exponential backoff with jitter to all outbound clients", "prevent"),
            ("Dashboard of 429 responses per customer", "detect"),
        ],
        "lessons": [
            "Rate limits need the same rollout care as any feature that can reject customers.",
        ],
    },
    "deploy_regression": {
        "weight": 12,
        "services": [
            "Checkout API",
            "Search API",
            "Catalog service",
            "iOS app",
            "Android app",
            "Auth API",
            "Sessions",
            "CI/CD",
        ],
        "tags": ["deploy", "rollback", "customer-facing", "monitoring"],
        "titles": [
            "Deploy regression in {service} {version}",
            "Release {version} broke sign-in for some users",
            "Canary missed an error spike in {service}",
            "N+1 query in {version} slowed {service}",
        ],
        "summary": [
            "Release {version} of {service} changed how empty carts were serialised, and "
            "{pct}% of checkout requests failed until we rolled back the deploy.",
            "A change to session handling in {version} logged out users on the Android app; "
            "we rolled back the deploy after {minutes} minutes.",
            "Release {version} introduced an N+1 query that made {service} responses "
            "{count} times slower under load.",
        ],
        "factors": [
            "The canary received too little traffic to show the error.",
            "The test data had no empty carts.",
            "The deploy went out on a Friday afternoon with no one watching the dashboards.",
            "Query counts per request were not tracked in CI.",
        ],
        "steps": [
            "Deployed {service} {version} to all regions.",
            "Error rate on {service} rose from 0.1% to {pct}%.",
            "Rolled back the deploy to {prev_version}.",
        ],
        "fixes": [
            "Rolled back the deploy, fixed the serialisation bug and redeployed with a test.",
            "Rolled back the deploy; the fix shipped the next morning.",
        ],
        "actions": [
            ("Route at least 5% of traffic to canaries", "detect"),
            ("Automatic rollback when the error rate doubles after a deploy", "mitigate"),
            ("Add query-count assertions to the {service} test suite", "prevent"),
            ("Add empty-cart cases to the test fixtures", "prevent"),
        ],
        "lessons": [
            "A fast rollback made this a short incident; keep it fast.",
            "Canaries only help if they see enough traffic to be noisy.",
        ],
    },
    "connection_pool": {
        "weight": 6,
        "services": ["Postgres", "Checkout API", "Ledger", "Catalog service"],
        "tags": ["database", "capacity", "latency", "scaling"],
        "titles": [
            "Database connection pool exhausted in {service}",
            "Long-running transactions starved the connection pool",
        ],
        "summary": [
            "A report query held database connections for minutes, and {service} ran out of "
            "pool connections; requests queued and timed out.",
            "After scaling {service} to {count} pods, the total connection count exceeded the "
            "database limit and new connections were refused.",
        ],
        "factors": [
            "The pool size per pod was set when we ran a third as many pods.",
            "Reports ran on the primary database instead of a replica.",
            "There was no statement timeout.",
        ],
        "steps": [
            "Timeouts waiting for a database connection in {service} logs.",
            "pg_stat_activity showed {count} idle in transaction sessions.",
            "Killed the long-running report queries.",
        ],
        "fixes": [
            "Set a statement timeout and moved the reports to a replica.",
            "Put PgBouncer in front of the database and lowered the per-pod pool size.",
        ],
        "actions": [
            ("Set statement and idle-in-transaction timeouts on the database", "prevent"),
            ("Run reports against a read replica", "prevent"),
            ("Alert on connection pool wait time", "detect"),
        ],
        "lessons": [
            "Scaling out the application can scale down the database.",
        ],
    },
    "third_party": {
        "weight": 6,
        "services": ["Payment gateway", "Checkout API", "Email delivery", "Push notifications"],
        "tags": ["third-party", "customer-facing", "latency"],
        "titles": [
            "{provider} outage degraded {service}",
            "Timeouts calling {provider} from {service}",
        ],
        "summary": [
            "{provider} had a partial outage in {region}; our calls timed out after 30 seconds "
            "and {service} threads piled up waiting.",
            "{provider} returned errors for {minutes} minutes, and we had no fallback, so "
            "{pct}% of {service} requests failed.",
        ],
        "factors": [
            "Timeouts were longer than the users' patience.",
            "There was no circuit breaker around the {provider} client.",
            "The status page of {provider} lagged behind the outage by half an hour.",
        ],
        "steps": [
            "Latency of calls to {provider} rose to 30 seconds.",
            "Opened a ticket with {provider}; they confirmed a partial outage.",
            "Switched traffic to the secondary provider.",
        ],
        "fixes": [
            "Failed over to the secondary provider until {provider} recovered.",
            "Waited for {provider} to recover; queued requests were retried afterwards.",
        ],
        "actions": [
            ("Add a circuit breaker around the {provider} client", "mitigate"),
            ("Shorten outbound timeouts to 5 seconds", "mitigate"),
            ("Document the failover to the secondary provider", "process"),
        ],
        "lessons": [
            "Every dependency fails eventually; decide in advance what we do when it does.",
        ],
    },
    "network": {
        "weight": 5,
        "services": ["Load balancers", "CDN", "Object storage", "Kafka"],
        "tags": ["networking", "latency", "third-party"],
        "titles": [
            "Packet loss between {region} and {region2}",
            "Load balancer health checks flapped in {region}",
        ],
        "summary": [
            "A faulty link at the cloud provider caused {pct}% packet loss between {region} "
            "and {region2}; cross-region replication and {service} slowed down.",
            "Health checks from the load balancers flapped, draining healthy {host_role} "
            "nodes and overloading the rest.",
        ],
        "factors": [
            "Health check timeouts were tighter than normal latency under load.",
            "Cross-region calls had no retry budget.",
        ],
        "steps": [
            "Elevated latency between {region} and {region2} on the network dashboard.",
            "Traceroute showed loss at the provider's edge.",
            "Shifted traffic away from {region}.",
        ],
        "fixes": [
            "The provider replaced the faulty link; we shifted traffic back.",
            "Relaxed the health check thresholds; the pool stabilised.",
        ],
        "actions": [
            ("Run continuous cross-region latency probes", "detect"),
            ("Tune load balancer health check thresholds", "prevent"),
        ],
        "lessons": [
            "Health checks that are too strict cause the outages they exist to prevent.",
        ],
    },
    "migration_lock": {
        "weight": 5,
        "services": ["Postgres", "Ledger", "Checkout API", "Catalog service"],
        "tags": ["database", "deploy", "latency"],
        "titles": [
            "Schema migration locked a busy database table",
            "ALTER TABLE on the orders table blocked writes",
        ],
        "summary": [
            "A migration added a column with a default to a table with {count} million rows "
            "and held an exclusive lock; writes to {service} queued for {minutes} minutes.",
            "An index was created without CONCURRENTLY, blocking writes to the database table "
            "behind {service}.",
        ],
        "factors": [
            "The migration linter did not run on this repository.",
            "The staging database is a hundred times smaller than production.",
            "There was no lock timeout on migrations.",
        ],
        "steps": [
            "Queries on the orders table waiting on a lock in pg_stat_activity.",
            "Identified the migration holding an AccessExclusiveLock.",
            "Cancelled the migration; writes resumed.",
        ],
        "fixes": [
            "Cancelled the migration and reran it in steps with CONCURRENTLY.",
        ],
        "actions": [
            ("Set lock_timeout for all schema migrations", "prevent"),
            ("Run the migration linter in every repository", "prevent"),
        ],
        "lessons": [
            "On a big table, every schema change is an operation, not just a code change.",
        ],
    },
    "autoscaling": {
        "weight": 5,
        "services": ["Search API", "Checkout API", "Stream processing", "Push notifications"],
        "tags": ["scaling", "capacity", "automation"],
        "titles": [
            "Autoscaler did not add capacity during a traffic spike",
            "Marketing push overwhelmed {service}",
        ],
        "summary": [
            "A marketing email went to {count} million users at once; {service} did not scale "
            "fast enough and returned errors for {minutes} minutes.",
            "The autoscaler hit the account's instance quota in {region} and stopped adding "
            "{host_role} nodes.",
        ],
        "factors": [
            "Nobody told the on-call about the campaign.",
            "The instance quota was close to its limit for months.",
            "Scale-up took eight minutes because images were pulled on boot.",
        ],
        "steps": [
            "Traffic to {service} rose fivefold in three minutes.",
            "The autoscaler logged quota exceeded errors.",
            "Requested a quota increase and scaled manually in {region2}.",
        ],
        "fixes": [
            "Scaled {service} manually; the quota was raised within the hour.",
        ],
        "actions": [
            ("Share the marketing calendar with on-call", "process"),
            ("Alert at 80% of cloud quotas", "detect"),
            ("Pre-pull images on new nodes", "mitigate"),
        ],
        "lessons": [
            "Capacity planning includes the calendar of the marketing team.",
        ],
    },
    "cron_duplicate": {
        "weight": 4,
        "services": ["Email delivery", "Ledger", "Warehouse", "Push notifications"],
        "tags": ["automation", "customer-facing", "data-loss"],
        "titles": [
            "Scheduled job ran twice and sent duplicate emails",
            "Nightly export ran on two hosts",
        ],
        "summary": [
            "After a failover of the scheduler, the nightly job ran on two hosts and "
            "{count} thousand customers received the same email twice.",
            "A retried batch job in {service} applied {count} ledger adjustments twice.",
        ],
        "factors": [
            "The job was not idempotent.",
            "The scheduler lock expired before the job finished.",
        ],
        "steps": [
            "Support received complaints about duplicate emails.",
            "Found two runs of the job in the scheduler history.",
            "Stopped the second run and reversed the duplicate entries.",
        ],
        "fixes": [
            "Reversed the duplicates and added a deduplication key to the job.",
        ],
        "actions": [
            ("Make the nightly job idempotent with a deduplication key", "prevent"),
            ("Renew the scheduler lock while a job runs", "prevent"),
        ],
        "lessons": [
            "Every scheduled job will, one day, run twice.",
        ],
    },
    # Rare on purpose: "chrony" appears only here (about 0.5% of incidents).
    "clock_drift": {
        "weight": 0.6,
        "services": ["Auth API", "Sessions", "Kafka"],
        "tags": ["security", "monitoring"],
        "titles": [
            "Clock drift on {host_role} hosts invalidated tokens",
            "Time skew broke token validation in {region}",
        ],
        "summary": [
            "chrony had stopped on a group of {host_role} hosts after an image change; their "
            "clocks drifted by {count} seconds and {service} rejected freshly issued tokens.",
        ],
        "factors": [
            "The new base image did not enable chrony at boot.",
            "Clock offset was not monitored.",
        ],
        "steps": [
            "Users reported token not yet valid errors.",
            "chronyc tracking showed an offset of {count} seconds on the affected hosts.",
            "Restarted chrony and forced a clock step.",
        ],
        "fixes": [
            "Enabled chrony in the base image and rebuilt the hosts.",
        ],
        "actions": [
            ("Alert when clock offset exceeds 100 ms", "detect"),
            ("Check chrony in the base image tests", "prevent"),
        ],
        "lessons": [
            "Time is a dependency: monitor it like one.",
        ],
    },
}

INCIDENT_DESCRIPTIONS = [
    "Customers reported errors and the on-call opened an incident.",
    "Alerts fired for {service} in {region}; investigation started right away.",
    "Elevated error rates on {service}, first seen by {tool}.",
    "Slow responses and timeouts on {service}.",
]

IMPACT = [
    "About {pct}% of requests to {service} failed for {minutes} minutes.",
    "Roughly {count} thousand customers saw errors or slow pages.",
    "No data was lost; some requests had to be retried by clients.",
    "Internal users could not run reports for {hours} hours.",
    "Checkout conversion dropped by {pct}% during the incident.",
    "Support received {count} tickets about the problem.",
    "The SLO for {service} burned {pct}% of its monthly error budget.",
]

WENT_WELL = [
    "{tool} alerted within minutes of the first errors.",
    "The incident commander kept the channel focused and posted regular updates.",
    "The runbook for {service} was accurate and easy to follow.",
    "Rollback tooling worked as designed.",
    "Customer support had a status page message to point to quickly.",
    "People from three teams joined quickly and shared what they saw.",
]
WENT_WRONG = [
    "It took {minutes} minutes to find the change that caused it.",
    "Dashboards for {service} did not show the failing dependency.",
    "The alert went to a channel nobody was watching.",
    "We did not update the status page until customers asked.",
    "Two people made conflicting changes while mitigating.",
    "The on-call had no access to the production database console.",
]
GOT_LUCKY = [
    "It happened during business hours, with the owning team online.",
    "Traffic was low because of a public holiday in the largest market.",
    "An engineer who had built the system happened to be in the incident channel.",
    "The change had reached only one region when we noticed.",
    "A backup taken an hour earlier meant nothing had to be rebuilt from scratch.",
]
LESSONS = [
    "Write down the rollback plan before the change, not during the incident.",
    "Alerts should describe user impact, not a machine metric.",
    "Our dependencies are part of our system: map them.",
    "The fastest mitigation was reverting, again.",
]

TIMELINE_DETECTION = [
    "{tool} paged the on-call for {service}: error rate above {pct}%.",
    "Alert fired: {service} latency p99 over two seconds in {region}.",
    "Customer support escalated reports of errors on {service}.",
    "Synthetic checks for {service} failed in {region}.",
]
TIMELINE_ESCALATION = [
    "Incident declared; {role} took over as incident commander.",
    "Paged {role}, who joined the incident channel.",
    "Escalated to the owning team of {service}.",
]
TIMELINE_COMMUNICATION = [
    "Posted a status page update: investigating elevated errors on {service}.",
    "Customer support told affected customers that we were working on a fix.",
    "Sent an update to the incident channel and the engineering leads.",
]
TIMELINE_RESOLUTION = [
    "Error rates back to baseline; incident resolved.",
    "Confirmed recovery in {region} and {region2}; closed the incident.",
    "Monitoring for {minutes} minutes showed no recurrence; resolved.",
]

GENERIC_ACTIONS = [
    ("Update the {service} runbook with what we learned", "process"),
    ("Add a dashboard panel for the failing dependency", "detect"),
    ("Review on-call handover notes for this incident", "process"),
    ("Write a game day scenario based on this incident", "process"),
]
WONT_DO_REASONS = [
    "Superseded by the platform migration next quarter.",
    "The cost outweighs the risk after the other fixes.",
    "The service is being retired.",
]
