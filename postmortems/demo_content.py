"""The text of the demo data: teams, people, services, and incidents with their postmortems.

Text only; postmortems/demo_data.py turns it into rows. Nothing here knows the date: an
incident starts `(days_ago, "HH:MM")` (UTC) or `hours_ago` before the seed's `now`, timeline
events are minutes after the start, and action item due dates are days after resolution.

This module is longer than the usual ~500 lines because it is prose; splitting the stories
across modules would only make them harder to read and edit.

A section is a string (paragraphs) or a list of strings (a bullet list). An incident has either
a hand-written `timeline` or the pieces the builder assembles one from (`trigger`, `detected`,
`steps`, `fix`, optionally `closing`). Action items are (title, type, priority, due days after
resolution, status), plus a reason for "wont_do".
"""

TEAMS = [
    ("Platform", "platform", "Edge, load balancers, DNS, core infrastructure and identity."),
    ("Payments", "payments", "Checkout, payment providers, the ledger and payouts."),
    ("Data", "data", "Kafka, the warehouse, scheduled exports and reporting."),
    ("Mobile", "mobile", "The iOS and Android apps and the push notification service."),
]

# (key, display name, email, time zone, {team slug: role})
USERS = [
    ("priya", "Priya Raman", "lead@example.com", "Europe/Berlin", {"platform": "lead"}),
    ("jonas", "Jonas Becker", "jonas.becker@example.com", "Europe/Berlin", {"platform": "member"}),
    (
        "marcus",
        "Marcus Webb",
        "marcus.webb@example.com",
        "America/New_York",
        {"platform": "member", "data": "member"},
    ),
    ("aisha", "Aisha Okafor", "aisha.okafor@example.com", "Europe/London", {"platform": "member"}),
    ("daniel", "Daniel Kim", "daniel.kim@example.com", "America/Los_Angeles", {"payments": "lead"}),
    (
        "sofia",
        "Sofía Martínez",
        "sofia.martinez@example.com",
        "America/New_York",
        {"payments": "lead"},
    ),
    ("elena", "Elena Rossi", "elena.rossi@example.com", "Europe/Rome", {"payments": "member"}),
    ("tom", "Tom Nguyen", "tom.nguyen@example.com", "America/Los_Angeles", {"payments": "member"}),
    ("arjun", "Arjun Mehta", "arjun.mehta@example.com", "Asia/Kolkata", {"data": "lead"}),
    ("kavya", "Kavya Nair", "kavya.nair@example.com", "Asia/Kolkata", {"data": "member"}),
    ("lukas", "Lukas Novak", "lukas.novak@example.com", "Europe/Prague", {"data": "member"}),
    ("hannah", "Hannah Schmidt", "hannah.schmidt@example.com", "UTC", {"data": "member"}),
    ("grace", "Grace Liu", "grace.liu@example.com", "America/Los_Angeles", {"mobile": "lead"}),
    (
        "mateo",
        "Mateo Alvarez",
        "mateo.alvarez@example.com",
        "America/New_York",
        {"mobile": "member"},
    ),
    ("chloe", "Chloé Dubois", "chloe.dubois@example.com", "Europe/Paris", {"mobile": "member"}),
]
ADMIN = ("admin", "Sam Taylor", "admin@example.com", "UTC")

# (name, parent name or None, description); parents come before their children.
SERVICES = [
    ("Edge", None, "Everything between the internet and our services."),
    ("CDN", "Edge", "Static assets and cached pages, served by our CDN provider."),
    ("Load balancers", "Edge", "The public and internal load balancer pools."),
    ("DNS resolvers", "Edge", "Internal recursive resolvers in each region."),
    ("Identity", None, "Sign-in, sessions and tokens."),
    ("Auth API", "Identity", "Issues and validates tokens; serves the signing key set."),
    ("Payments platform", None, "Taking money and keeping track of it."),
    ("Checkout API", "Payments platform", "Cart, checkout and payment provider calls."),
    ("Ledger", "Payments platform", "Double-entry ledger, balances and reconciliation."),
    ("Data platform", None, "Event streaming and analytics."),
    ("Kafka", "Data platform", "Event streaming cluster and schema registry."),
    ("Warehouse", "Data platform", "Analytics warehouse, exports and dashboards."),
    ("Mobile apps", None, "Our customer apps and their backend."),
    ("iOS app", "Mobile apps", "The iOS app and its release pipeline."),
    ("Android app", "Mobile apps", "The Android app and its release pipeline."),
    ("Core infrastructure", None, "Shared databases, caches and logging."),
    ("Postgres", "Core infrastructure", "The primary Postgres clusters."),
    ("Redis cache", "Core infrastructure", "Shared Redis caches."),
    ("Logging pipeline", "Core infrastructure", "Log shippers, aggregation hosts and search."),
]

TAGS = [
    "DNS",
    "TLS",
    "Config change",
    "Capacity",
    "Database",
    "Third party",
    "Deploy",
    "Alerting gap",
    "Security",
    "Caching",
    "Mobile release",
    "Scheduled jobs",
]

# fmt: off
# A hand-laid-out data table: the formatter would put every tuple element on its own
# line and double the length of the stories.
INCIDENTS = [
    {
        "team": "platform",
        "severity": "SEV1",
        "owner": "jonas",
        "authors": ["priya"],
        "title": "DNS resolver saturation caused intermittent lookup failures",
        "description": (
            "Internal DNS resolvers in eu-central reached their concurrent query limit after a "
            "service-discovery library upgrade tripled lookup volume. About one in five lookups "
            "timed out, causing errors across the API, checkout and background workers."
        ),
        "services": ["DNS resolvers", "Checkout API", "Auth API"],
        "start": (101, "13:42"),
        "detect": 6,
        "mitigate": 58,
        "resolve": 134,
        "postmortem": "published",
        "tags": ["DNS", "Capacity", "Config change"],
        "sections": {
            "summary": (
                "For 58 minutes, about one in five DNS lookups inside our eu-central network "
                "timed out. Services that resolve names on every request (the public API, "
                "checkout and the job workers) returned errors or stalled. A service-discovery "
                "library upgrade rolled out that morning had lowered the DNS cache TTL from 60 "
                "seconds to 5 seconds, which tripled query volume until the resolvers hit their "
                "per-instance query limit.\n\n"
                "We mitigated by restoring the 60-second TTL, added two resolver instances, and "
                "resolved the incident after error rates had stayed at baseline for over an hour."
            ),
            "impact": [
                "**Duration:** 58 minutes of customer-facing errors; resolved after 2 h 14 min.",
                "**API:** 7.8% of requests failed with 502 or 504 at the peak, 3.1% over the "
                "whole window.",
                "**Checkout:** about 1,900 checkout attempts failed; 64% of those customers "
                "completed their purchase within the hour.",
                "**Background jobs:** 41,000 jobs were retried; notification emails were delayed "
                "by up to 25 minutes.",
                "**Support:** 112 tickets mentioning errors or slowness.",
            ],
            "contributing_factors": [
                "The library's new release changed its default cache TTL from 60 s to 5 s. The "
                "change was in the full release notes but not in the summary we review during "
                "upgrades.",
                "Each resolver instance has a hard limit of 1,024 concurrent queries. We alerted "
                "on resolver CPU, which stayed below 40%, but not on that limit.",
                "Many services open a new connection per request and resolve the name each time, "
                "so the TTL change multiplied query volume directly.",
                "Errors appeared in every service at once, which first looked like an upstream "
                "network problem rather than a shared dependency.",
            ],
            "went_well": [
                "The synthetic checkout probe paged within 6 minutes.",
                "Jonas spotted lookup timeouts in the API logs early, which narrowed the search "
                'from "everything is failing" to DNS.',
                "Restoring the TTL was a single config change that took effect without restarts.",
            ],
            "went_wrong": [
                "Our dashboards show resolver CPU and latency but not dropped queries, so the "
                "resolvers looked healthy for the first half hour.",
                "Three investigations (network, load balancers, DNS) ran in parallel without a "
                "named owner each, and two people restarted the same pods.",
                "The first status page update went out 25 minutes after detection.",
            ],
            "got_lucky": [
                "It happened on a weekday afternoon in Europe, when most of the platform team was "
                "online.",
                "The payout run, which needs DNS to reach the bank API, was scheduled two hours "
                "later and ran normally.",
            ],
            "lessons": [
                "Defaults in shared libraries are part of our configuration. Library upgrades get "
                "the same review as config changes.",
                "A saturated component can look healthy on CPU. Every shared dependency needs a "
                "saturation signal (queue depth, dropped work, hard limits) next to utilisation.",
                "Naming an owner for each line of investigation early saves time, even in a small "
                "incident.",
            ],
        },
        "timeline": [
            (-95, "action", "Service-discovery library 4.2 rolled out to all eu-central "
             "services; the DNS cache TTL drops from 60 s to 5 s."),
            (0, "other", "First resolver reaches 1,024 concurrent queries; lookups start to "
             "time out."),
            (6, "detection", "Synthetic checkout probe fails three times in a row and pages the "
             "platform on-call, Jonas Becker."),
            (11, "escalation", "Jonas declares the incident and opens #inc-dns; Priya Raman "
             "joins as incident commander."),
            (19, "action", "API logs show `lookup ... i/o timeout` across services; the "
             "investigation turns to DNS."),
            (24, "escalation", "Error rate reaches 7.8% of API requests; severity raised to "
             "SEV1."),
            (31, "communication", 'Status page: "Some customers see errors when loading pages '
             'or checking out. We are investigating."'),
            (44, "action", "Resolver metrics show the query limit reached on all four "
             "instances; the timing matches the library rollout."),
            (58, "mitigation", "TTL override back to 60 s pushed via config; query volume drops "
             "by 68% within two minutes and errors return to baseline."),
            (134, "resolution", "Two more resolver instances in the pool and error rates at "
             "baseline for over an hour; incident resolved, status page closed."),
        ],
        "actions": [
            ("Alert on resolver dropped queries and the concurrent query limit",
             "detect", "high", 14, "done"),
            ("Add DNS cache TTL to the library upgrade checklist",
             "process", "medium", 21, "done"),
            ("Run a node-local DNS cache on every host", "prevent", "high", 60, "in_progress"),
            ("Reuse HTTP connections in the job workers to cut lookups",
             "prevent", "medium", 120, "open"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV3",
        "owner": "jonas",
        "title": "Cache stampede after catalogue cache flush",
        "description": (
            "A flush of the product catalogue keys in Redis made every API node rebuild the same "
            "hot keys from Postgres at once. Database CPU hit 100% and product pages were slow or "
            "timed out."
        ),
        "services": ["Redis cache", "Postgres"],
        "start": (96, "10:30"),
        "detect": 4,
        "mitigate": 27,
        "resolve": 70,
        "postmortem": "published",
        "tags": ["Caching", "Capacity"],
        "sections": {
            "summary": (
                "A routine flush of the product catalogue keys in Redis removed about 2 million "
                "entries at once. Every API node then missed the cache and queried Postgres for "
                "the same popular products, which pushed database CPU to 100% and made product "
                "pages slow or time out until the hot keys were warmed again."
            ),
            "impact": [
                "Product page p95 latency rose from 180 ms to 6.4 s; 11% of product page requests "
                "timed out.",
                "Search and checkout stayed available but slow; checkout conversion was 6% below "
                "normal for the hour.",
            ],
            "contributing_factors": [
                "The flush script deletes keys in bulk. It predates the catalogue growing from "
                "200,000 to 2 million products.",
                "Cache misses are not coalesced, so 40 API nodes each rebuilt the same hot keys.",
                "The API has no per-client connection limit on Postgres, so cache rebuilds used "
                "every available connection.",
            ],
            "went_well": [
                "The database CPU alert fired within 4 minutes and pointed at catalogue queries.",
                "The rate-limited warm-up worker was a known lever and brought the database back "
                "quickly.",
            ],
            "went_wrong": [
                "The flush left no entry in the change log, so it took 12 minutes to connect it "
                "to the timing.",
                "No dashboard shows cache hit rate next to database load.",
            ],
            "got_lucky": [
                "The flush happened mid-morning in Europe, well below peak traffic.",
            ],
            "lessons": [
                "A cache that many nodes rebuild at the same moment is an unscheduled load test. "
                "Request coalescing and gradual expiry make the cache safe to empty.",
            ],
        },
        "trigger": "Catalogue cache flush run to clear stale prices; 2 million keys deleted.",
        "detected": "Postgres CPU alert pages the platform on-call, Jonas Becker.",
        "steps": [
            (9, "action", "Slow query log shows thousands of identical catalogue lookups."),
            (16, "action", "Flush identified as the trigger; rate-limited warm-up worker "
             "started."),
        ],
        "fix": "Hot keys warm again; database CPU under 50% and page latency back to normal.",
        "actions": [
            ("Coalesce concurrent catalogue cache misses (single flight)",
             "prevent", "high", 21, "done"),
            ("Expire catalogue keys gradually instead of deleting them in bulk",
             "prevent", "medium", 30, "done"),
            ("Cache hit rate on the API overview dashboard", "detect", "low", 14, "done"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV2",
        "owner": "marcus",
        "authors": ["priya"],
        "title": "Expired TLS certificate on the partner API",
        "description": (
            "The certificate for partners.example.com expired at 07:00 UTC. Partner integrations "
            "failed the TLS handshake until a renewed certificate was deployed."
        ),
        "services": ["Load balancers"],
        "start": (86, "07:00"),
        "detect": 14,
        "mitigate": 49,
        "resolve": 95,
        "postmortem": "published",
        "tags": ["TLS", "Alerting gap"],
        "sections": {
            "summary": (
                "The TLS certificate for `partners.example.com` expired, and for 49 minutes every "
                "partner integration calling that endpoint failed the TLS handshake. The "
                "certificate was one of three still issued by hand from before we moved to "
                "automated ACME renewal. A renewed certificate was issued and deployed to the "
                "load balancers, and we resolved the incident once all partners had reconnected."
            ),
            "impact": [
                "**Duration:** 49 minutes of failed handshakes; partner traffic fully recovered "
                "95 minutes after expiry.",
                "**Partners:** 23 of 31 active integrations failed. The other 8 were idle at that "
                "hour.",
                "**Orders:** about 640 partner orders were rejected. Partners resubmitted 590 "
                "automatically once the endpoint recovered; partner support helped re-send the "
                "remaining 50.",
                "Customers of our main site were not affected; the `www` and `api` certificates "
                "renew automatically.",
            ],
            "contributing_factors": [
                "Three certificates were issued by hand for a partner who pinned an intermediate "
                "CA that our ACME provider does not use. The partner later stopped pinning, but "
                "the certificates stayed on the manual process.",
                "Expiry reminders for manual certificates went to a shared mailbox that was "
                "retired during the email migration in the spring.",
                "The expiry monitor scans hostnames registered in the edge inventory, and "
                "`partners.example.com` had been added to the load balancers directly.",
            ],
            "went_well": [
                "Once the cause was known, issuing and deploying a new certificate took 19 "
                "minutes, thanks to the runbook for manual certificates.",
                "Partner support contacted the four largest partners while engineering worked on "
                "the fix.",
                "The partner order queue rejects rather than drops orders, so nothing was lost.",
            ],
            "went_wrong": [
                "Detection came from a partner's email, 14 minutes after expiry; nothing alerted "
                "on handshake failures.",
                "The first checks looked at partner CA bundles, because `certificate verify "
                "failed` also appears when a partner's bundle is outdated.",
                "Listing which certificates were still manual took a search through spreadsheets.",
            ],
            "got_lucky": [
                "Expiry fell before the US morning peak; partner volume was about a quarter of "
                "its daily high.",
                "Another manual certificate (`legacy-sso.example.com`) was due to expire five "
                "weeks later; this review found it in time.",
            ],
            "lessons": [
                "A certificate outside automation is a scheduled incident. The goal is zero "
                "manual certificates, and an inventory of every certificate actually served, not "
                "only the ones we registered.",
                "Reminders sent to a mailbox last only as long as the mailbox. Expiry warnings go "
                "to the on-call rotation.",
            ],
        },
        "timeline": [
            (0, "other", "Certificate for partners.example.com expires; partner TLS handshakes "
             "start failing."),
            (14, "detection", "Partner support forwards a partner email reporting `certificate "
             "verify failed`; the platform on-call, Marcus Webb, is paged."),
            (22, "action", "Partner-side CA bundles checked; no recent change found."),
            (27, "action", "`openssl s_client` shows the certificate expired at 07:00 UTC."),
            (30, "escalation", "Incident declared SEV2; Priya Raman joins as incident commander."),
            (33, "communication", "Partner support notifies the four largest partners directly "
             "and updates the partner status page."),
            (49, "mitigation", "Renewed certificate deployed to both load balancer pools; "
             "handshakes succeed again."),
            (70, "action", "List of rejected orders shared with partner support for "
             "resubmission."),
            (95, "resolution", "All active partners reconnected and order volume normal; "
             "incident resolved."),
        ],
        "actions": [
            ("Move partners.example.com and legacy-sso.example.com to ACME renewal",
             "prevent", "high", 10, "done"),
            ("Expiry monitor scans every hostname the load balancers serve",
             "detect", "high", 21, "done"),
            ("Alert on TLS handshake failure rate per hostname", "detect", "medium", 45, "open"),
            ("Route certificate expiry reminders to the on-call rotation",
             "process", "low", 30, "wont_do",
             "Superseded: with every certificate on ACME and the expiry monitor covering all "
             "served hostnames, there are no manual reminders left to route."),
        ],
    },
    {
        "team": "payments",
        "severity": "SEV2",
        "owner": "tom",
        "title": "Payment provider timeouts raised card checkout failures",
        "description": (
            "Our primary card provider had a partial outage in its EU region. Authorisation calls "
            "timed out after 30 seconds and card payments failed or hung until traffic moved to "
            "the secondary provider."
        ),
        "services": ["Checkout API"],
        "start": (76, "19:40"),
        "detect": 7,
        "mitigate": 52,
        "resolve": 118,
        "postmortem": "published",
        "tags": ["Third party", "Alerting gap"],
        "sections": {
            "summary": (
                "Our primary card payment provider had a partial outage in its EU region, and "
                "authorisation requests started timing out after 30 seconds. Checkout waited on "
                "those calls, so card payments failed or hung. We moved card traffic to the "
                "secondary provider after 52 minutes; the primary provider recovered about an "
                "hour later."
            ),
            "impact": [
                "About 3,300 card payments failed or were abandoned, roughly 14% of card "
                "checkouts in the window.",
                "Checkout p99 latency reached 31 s because of the 30 s provider timeout.",
                "Wallet and bank transfer payments were unaffected.",
                "47 customers were charged twice when a retry succeeded after a timeout; all were "
                "refunded within 24 hours.",
            ],
            "contributing_factors": [
                "The provider's outage was outside our control; how our systems responded to it "
                "was within it.",
                "The provider client timeout was 30 s, far above the provider's usual 600 ms p99, "
                "so every failure held a checkout worker for the full timeout.",
                "Failover to the secondary provider is a manual runbook step that needs sign-off "
                "from a payments lead.",
                "Retries after a timeout did not reuse the idempotency key, which allowed the "
                "duplicate charges.",
            ],
            "went_well": [
                "The provider's status page and our error-rate alert agreed, so the cause was "
                "clear within 10 minutes.",
                "The secondary provider took the full card volume without problems.",
            ],
            "went_wrong": [
                "Reaching a payments lead for the failover sign-off took 20 minutes in the "
                "evening.",
                "Support found the duplicate charges before our reconciliation did.",
            ],
            "got_lucky": [
                "The outage was partial: about 85% of authorisations still succeeded.",
            ],
            "lessons": [
                "Failover to the secondary provider is tested and safe, so it can start "
                "automatically on error rate, with a person deciding when to fail back.",
                "Idempotency keys have to survive retries end to end.",
            ],
        },
        "trigger": "Card provider's EU region starts timing out a share of authorisations.",
        "detected": "Checkout payment error-rate alert pages the payments on-call, Tom Nguyen.",
        "steps": [
            (17, "action", "Provider status page confirms degraded authorisations in the EU."),
            (24, "escalation", "Failover runbook started; waiting for a payments lead to sign "
             "off."),
            (44, "communication", "Status page: some card payments are failing; other payment "
             "methods work."),
        ],
        "fix": "Card traffic moved to the secondary provider; payment error rate back to normal.",
        "actions": [
            ("Cut the provider client timeout to 5 s with one retry",
             "mitigate", "high", 7, "done"),
            ("Fail over to the secondary provider automatically on error rate",
             "mitigate", "high", 45, "in_progress"),
            ("Reuse the idempotency key across provider retries", "prevent", "high", 5, "done"),
            ("Daily reconciliation check for duplicate authorisations",
             "detect", "medium", 30, "done"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV3",
        "owner": "marcus",
        "title": "Disk full on log hosts stopped log ingestion",
        "description": (
            "Log aggregation hosts ran out of disk after debug logging on the search service "
            "quadrupled log volume. Log ingestion stopped for about two and a half hours "
            "overnight."
        ),
        "services": ["Logging pipeline"],
        "start": (71, "03:10"),
        "detect": 95,
        "mitigate": 150,
        "resolve": 260,
        "postmortem": "published",
        "tags": ["Capacity", "Alerting gap"],
        "sections": {
            "summary": (
                "The log aggregation hosts ran out of disk after debug logging on the search "
                "service, enabled for an investigation the day before, quadrupled log volume. Log "
                "ingestion stopped for every service for about two and a half hours overnight. "
                "Application traffic was not affected, but logs from that window are incomplete."
            ),
            "impact": [
                "No customer impact.",
                "About 1.4 TB of logs from all services were dropped at the shippers.",
                "Two open investigations (a reconciliation question and a support escalation) "
                "lost logs they needed.",
            ],
            "contributing_factors": [
                "Debug logging has no expiry; it stays on until someone turns it off.",
                "The disk alert fires at 95%, which at four times the normal volume left about 20 "
                "minutes of headroom.",
                "The disk alert goes to a low-urgency channel because the log hosts are not "
                "customer-facing.",
            ],
            "went_well": [
                "Shippers buffered locally for the first 40 minutes, so part of the window was "
                "recovered.",
                "Deleting old indices freed space within minutes.",
            ],
            "went_wrong": [
                "Detection took 95 minutes because the alert is low urgency at night.",
                "The log retention policy had no owner, so it was unclear which indices were safe "
                "to delete.",
            ],
            "got_lucky": [
                "No other incident needed those logs during the gap.",
            ],
            "lessons": [
                "Losing logs has no immediate customer impact, but losing them during another "
                "incident would. Observability systems need paging alerts too.",
                "Temporary settings need an expiry date.",
            ],
        },
        "trigger": "Log host disks pass 95%; ingestion slows, then stops at 100%.",
        "detected": (
            "A support engineer reports empty log searches; the platform on-call, Marcus Webb, is "
            "paged."
        ),
        "steps": [
            (110, "action", "Search service debug logging identified as the source of 4x volume "
             "and switched off."),
            (125, "action", "Indices older than 14 days deleted, freeing 2 TB."),
        ],
        "fix": "Ingestion resumes and shippers flush their local buffers.",
        "actions": [
            ("Debug log level expires automatically after 24 hours",
             "prevent", "medium", 30, "done"),
            ("Page on log host disk at 85% and when ingestion stops", "detect", "high", 7, "done"),
            ("Write down log retention rules and who owns them", "process", "low", 30, "open"),
        ],
    },
    {
        "team": "data",
        "severity": "SEV2",
        "owner": "kavya",
        "authors": ["arjun"],
        "title": "Kafka consumer lag delayed order events by over two hours",
        "description": (
            "The order-events consumer group fell into a rebalance loop after a release made "
            "batches slower than the poll interval. Confirmation emails, fraud scoring and the "
            "warehouse processed orders up to 2 h 26 min late."
        ),
        "services": ["Kafka", "Warehouse"],
        "start": (63, "02:15"),
        "detect": 38,
        "mitigate": 146,
        "resolve": 211,
        "postmortem": "published",
        "tags": ["Capacity", "Deploy", "Alerting gap"],
        "sections": {
            "summary": (
                "The consumer group that reads `orders.v2` fell into a rebalance loop after a "
                "release pushed batch processing time past the consumer's `max.poll.interval.ms`. "
                "Consumers were repeatedly removed from the group, and lag grew to 2 hours 26 "
                "minutes. Order confirmation emails, fraud scoring and the warehouse were "
                "delayed; no events were lost. Lowering the batch size and raising the poll "
                "interval stopped the loop, and the backlog drained within an hour."
            ),
            "impact": [
                "**Order confirmation emails** were delayed for about 18,400 orders; the longest "
                "delay was 2 h 26 min.",
                "**Fraud scoring** ran late on the same orders. 212 orders that would normally be "
                "held for review shipped before scoring; the risk team reviewed them the next "
                "morning and found 3 that needed follow-up.",
                "**Warehouse** hourly tables were incomplete until the backlog drained; the "
                "morning revenue report was regenerated at 08:00.",
                "No events were lost and no order was processed twice.",
            ],
            "contributing_factors": [
                "The release at 01:50 added an address-validation call to the consumer. At night "
                "that service answers slowly because batch jobs share its database, which pushed "
                "a 500-message batch above the 5-minute poll interval.",
                "A consumer that exceeds the poll interval is removed from the group, which "
                "triggers a rebalance. Each rebalance paused every consumer, the slow batch was "
                "retried, and the loop continued.",
                "The lag alert fires at 30 minutes of lag. Night-time volume is low, so lag in "
                "messages stayed small while lag in time grew.",
                "The consumer health check reports healthy while the process runs, so nothing "
                "flagged the loop itself.",
            ],
            "went_well": [
                "Kavya recognised the rebalance pattern in the consumer logs within 20 minutes of "
                "being paged.",
                "Consumers are idempotent, so replaying needed no deduplication work.",
                "The risk team had a manual review process ready for orders scored late.",
            ],
            "went_wrong": [
                "The lag alert measured messages, not time, so it fired 38 minutes after the "
                "consumers stalled.",
                "Restarting the consumers, the first mitigation we tried, forced more rebalances "
                "and made the loop worse.",
                "Poll settings are baked into the image, so changing them needed a 40-minute "
                "rebuild and deploy at night.",
            ],
            "got_lucky": [
                "Night-time order volume is about 15% of peak; at peak the same stall would have "
                "taken several hours to drain.",
                "The orders that skipped the fraud hold were low value.",
            ],
            "lessons": [
                "Measure consumer lag in time as well as offsets, and alert on the rebalance rate.",
                "Consumer tuning (batch size, poll interval) belongs in runtime config, so it can "
                "change without a deploy.",
                "Synchronous calls inside a consumer loop need timeouts well below the poll "
                "interval.",
            ],
        },
        "timeline": [
            (-25, "action", "order-consumer release deployed; it adds a synchronous "
             "address-validation call per message."),
            (0, "other", "First consumer exceeds `max.poll.interval.ms`; the group starts "
             "rebalancing every few minutes."),
            (38, "detection", "Lag alert (30 minutes) pages the data on-call, Kavya Nair."),
            (58, "action", "Consumer logs show a rebalance loop; a batch takes about 6 minutes."),
            (66, "action", "Consumers restarted; rebalances increase and lag keeps growing."),
            (80, "escalation", "Arjun Mehta joins; the payments and risk on-calls are told that "
             "fraud scoring is delayed."),
            (92, "communication", "Customer support told that confirmation emails are delayed; "
             "a reply template is ready for tickets."),
            (106, "action", "Batch size 500 → 100 and poll interval 5 → 10 minutes; image "
             "rebuild started."),
            (146, "mitigation", "New consumer image deployed; rebalances stop and lag starts to "
             "fall."),
            (211, "resolution", "Lag under one minute; incident resolved. Warehouse backfill "
             "scheduled for 08:00."),
        ],
        "actions": [
            ("Alert on consumer lag in seconds and on rebalance rate",
             "detect", "high", 14, "done"),
            ("Move consumer poll and batch settings to runtime config",
             "mitigate", "medium", 30, "done"),
            ("2 s timeout on the address-validation call inside the consumer",
             "prevent", "high", 7, "done"),
            ("Load-test consumers against a slow dependency before release",
             "process", "low", 75, "open"),
        ],
    },
    {
        "team": "data",
        "severity": "SEV3",
        "owner": "lukas",
        "title": "Billing export cron job ran twice and sent duplicate invoices",
        "description": (
            "The nightly billing export ran on two scheduler nodes at the same time during a "
            "scheduler upgrade. 1,240 business customers received their invoice email twice."
        ),
        "services": ["Warehouse"],
        "start": (56, "00:05"),
        "detect": 180,
        "mitigate": 300,
        "resolve": 540,
        "postmortem": "published",
        "tags": ["Scheduled jobs", "Deploy"],
        "sections": {
            "summary": (
                "The nightly billing export ran on two scheduler nodes at the same time after a "
                "scheduler upgrade. 1,240 business customers received their monthly invoice email "
                "twice, and the accounting system received two export files for the same period. "
                "No customer was charged twice."
            ),
            "impact": [
                "1,240 customers received duplicate invoice emails; 86 contacted support.",
                "Accounting imported the duplicate export; finance spent half a day reversing the "
                "entries.",
                "No duplicate charges: card collection runs from a separate, idempotent job.",
            ],
            "contributing_factors": [
                "The upgrade moved leader election from a Postgres lock to a Kubernetes lease. "
                "During the rollout, the old and the new scheduler were both active for 10 "
                "minutes.",
                "The billing export has no guard against running twice for the same period.",
                "Export files are named by timestamp, so the accounting import saw two different "
                "files.",
            ],
            "went_well": [
                "Invoicing and charging are separate, so money was never at risk.",
                "Support and finance agreed on a single apology email the same morning.",
            ],
            "went_wrong": [
                "Customers noticed first, three hours after the duplicate run.",
                "The scheduler rollout plan did not mention the overlap window.",
            ],
            "got_lucky": [
                "The overlap lasted 10 minutes and only one job was scheduled in it.",
            ],
            "lessons": [
                "Scheduled jobs run at least once, not exactly once. Every job with external "
                "effects needs its own idempotency key, such as the billing period.",
            ],
        },
        "trigger": "Old and new scheduler both active; `billing-export` starts on both.",
        "detected": (
            "Support escalates customer reports of duplicate invoices to the data on-call, Lukas "
            "Novak."
        ),
        "steps": [
            (200, "action", "Scheduler logs show two runs of `billing-export` four seconds "
             "apart."),
            (240, "communication", "Finance and support agree on one message to customers."),
        ],
        "fix": "Duplicate export file removed from the accounting import queue.",
        "closing": (
            "Finance confirms every duplicate accounting entry is reversed; incident resolved."
        ),
        "actions": [
            ("Key the billing export by billing period; a second run does nothing",
             "prevent", "high", 14, "done"),
            ("Name export files by period, not by timestamp", "prevent", "medium", 14, "done"),
            ("Stop the old scheduler before starting the new one in upgrades",
             "process", "medium", 21, "done"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV2",
        "owner": "aisha",
        "title": "Auth API latency spike after signing key rotation",
        "description": (
            "A signing key rotation made services fetch the key set on every token with the new "
            "key ID. The burst saturated the Auth API and sign-ins slowed to several seconds."
        ),
        "services": ["Auth API"],
        "start": (51, "11:15"),
        "detect": 5,
        "mitigate": 33,
        "resolve": 80,
        "postmortem": "published",
        "tags": ["Capacity", "Security"],
        "sections": {
            "summary": (
                "A scheduled rotation of the token signing keys published the new key set and "
                "started signing with it at the same moment. Services still held the old set in "
                "cache and fetched the key set again for every token with the unknown key ID. The "
                "burst saturated the Auth API, and sign-ins and token checks slowed to several "
                "seconds."
            ),
            "impact": [
                "Sign-in p95 rose from 250 ms to 4.8 s; 6% of sign-ins failed with timeouts.",
                "API requests from the mobile apps saw 2 to 3 s of extra latency.",
                "About 9,000 users were signed out by the mobile app after repeated refresh "
                "timeouts.",
            ],
            "contributing_factors": [
                "Tokens signed with the new key reached services before their cached key set "
                "expired.",
                "The key-set client fetches on every unknown key ID, with no rate limit and no "
                "shared in-flight request.",
                "The key-set endpoint runs on the same pods as sign-in, so the burst slowed "
                "sign-in too.",
            ],
            "went_well": [
                "The rotation runbook has a pause step, and pausing stopped new tokens with the "
                "new key ID within minutes.",
                "The sign-in latency alert fired within 5 minutes.",
            ],
            "went_wrong": [
                "The mobile app signs users out after three failed token refreshes, which turned "
                "latency into lost sessions.",
                "We rotate during working hours so people are around, which also means peak "
                "sign-in traffic.",
            ],
            "got_lucky": [
                "The previous rotation, with far fewer services, went smoothly and gave us a "
                "clear comparison.",
            ],
            "lessons": [
                "Publish new keys well before signing with them: a key announced a day ahead is "
                "already in every cache.",
            ],
        },
        "trigger": "Signing key rotation starts; new tokens carry key ID `k-2`.",
        "detected": "Sign-in latency alert pages the platform on-call, Aisha Okafor.",
        "steps": [
            (14, "action", "Auth API logs show 40x the normal requests to the key-set endpoint."),
            (21, "action", "Rotation paused; tokens are signed with the previous key again."),
        ],
        "fix": "Key-set caches warm across services; sign-in latency back to normal.",
        "actions": [
            ("Publish new signing keys 24 hours before first use", "prevent", "high", 14, "done"),
            ("Rate-limit and coalesce key-set fetches in the auth client",
             "prevent", "high", 21, "done"),
            ("Serve the public key set from the CDN", "mitigate", "medium", 40, "open"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV1",
        "owner": "aisha",
        "authors": ["marcus", "priya"],
        "title": "Load balancer config push dropped 30% of requests",
        "description": (
            "A routing change for the new eu-west-2 region was pushed to every load balancer at "
            "once and referenced a backend pool that did not exist in production. 30% of requests "
            "to the website and API returned 503 for 17 minutes."
        ),
        "services": ["Load balancers", "Checkout API"],
        "start": (46, "15:20"),
        "detect": 3,
        "mitigate": 17,
        "resolve": 62,
        "postmortem": "published",
        "tags": ["Config change", "Deploy"],
        "sections": {
            "summary": (
                "A load balancer configuration change, adding routing for the new eu-west-2 "
                "region, referenced a backend pool that existed only in staging. The config "
                "validator accepted it, and the change went to every load balancer at the same "
                "time. Requests hashed to the missing pool, about 30% of traffic, received 503 "
                "responses for 17 minutes until the previous config was restored."
            ),
            "impact": [
                "**Duration:** 17 minutes of errors; resolved after 62 minutes.",
                "**Requests:** 30% of requests to `www` and `api` failed, about 1.2 million "
                "requests.",
                "**Checkout:** around 4,100 checkout attempts failed; conversion for the hour was "
                "22% below the same hour a week earlier.",
                "Partners and the mobile apps retried automatically; mobile crash-free sessions "
                "were unaffected.",
            ],
            "contributing_factors": [
                "The validator checks syntax and that referenced pools are *declared*, not that "
                "they exist in the target environment. Pool declarations are shared between "
                "staging and production.",
                "The config pipeline pushes to all load balancers in parallel. Application "
                "deploys have a canary stage; load balancer config does not.",
                "The change was reviewed and approved. The pool name was correct; creating the "
                "pool in production was planned for the next day.",
                "Consistent hashing spread the broken route over 30% of traffic, so every service "
                "looked partly broken rather than one being clearly down.",
            ],
            "went_well": [
                "Synthetic checks paged within 3 minutes.",
                "The engineer who made the change joined the channel within a minute and proposed "
                "the rollback, which is a single command.",
                "The status page went up 9 minutes after detection.",
            ],
            "went_wrong": [
                "The rollback timed out on two of twelve load balancers and had to be re-run by "
                "hand, adding about 5 minutes.",
                "Alerts from 14 services paged 5 different people at once, which made the first "
                "10 minutes in the channel noisy.",
                "There is no single place to see what changed in the last hour across systems.",
            ],
            "got_lucky": [
                "The push happened in the afternoon rather than in the evening peak, when traffic "
                "is about twice as high.",
                "The missing pool answered with a fast 503. A slow timeout would have exhausted "
                "connection pools upstream.",
            ],
            "lessons": [
                "Load balancer config is code running in production and gets the same staged "
                "rollout: one canary balancer first, then the rest.",
                "Validation has to run against the environment being changed, not against shared "
                "declarations.",
                "Grouping alerts by shared dependency helps the first responder see one cause "
                "instead of fourteen symptoms.",
            ],
        },
        "timeline": [
            (0, "action", "Config change `lb-routing #482` pushed to all 12 load balancers."),
            (3, "detection", "Synthetic checks for www and api fail; the platform on-call, "
             "Aisha Okafor, is paged. 14 services alert over the next 4 minutes."),
            (5, "escalation", "Aisha declares SEV1; Priya Raman takes incident commander."),
            (7, "action", "Marcus Webb links the start of the errors to the config push and "
             "proposes a rollback."),
            (9, "action", "Rollback started."),
            (12, "communication", 'Status page: "Some requests to our website and API are '
             'failing. A fix is being deployed."'),
            (13, "action", "Rollback times out on lb-07 and lb-11; re-run by hand."),
            (17, "mitigation", "All load balancers on the previous config; error rate back to "
             "baseline."),
            (40, "communication", "Status page set to monitoring; support receives a summary "
             "for customers."),
            (62, "resolution", "No errors for 45 minutes; incident resolved."),
        ],
        "actions": [
            ("Canary stage for load balancer config: one balancer for 10 minutes, then the rest",
             "prevent", "high", 21, "in_progress"),
            ("Validate referenced pools against the target environment",
             "prevent", "high", 14, "done"),
            ("Fix the rollback timeout on large configs", "mitigate", "medium", 14, "done"),
            ("Group alerts by shared dependency in the paging policy",
             "detect", "medium", 45, "open"),
            ("One change feed listing config pushes and deploys across systems",
             "detect", "low", 60, "open"),
        ],
    },
    {
        "team": "mobile",
        "severity": "SEV3",
        "owner": "chloe",
        "title": "Push notifications delayed up to two hours for iOS users",
        "description": (
            "The push service kept using an expired APNs provider token after its refresh thread "
            "stopped. iOS order and delivery notifications went to the retry queue and arrived "
            "late."
        ),
        "services": ["iOS app"],
        "start": (41, "08:20"),
        "detect": 50,
        "mitigate": 130,
        "resolve": 190,
        "postmortem": "published",
        "tags": ["Third party", "Alerting gap"],
        "sections": {
            "summary": (
                "The push notification service kept using an APNs connection whose provider token "
                "had expired, and Apple rejected its requests with `ExpiredProviderToken`. "
                "Rejected notifications went to the retry queue, which backs off, so iOS users "
                "received order and delivery updates up to two hours late."
            ),
            "impact": [
                "About 210,000 iOS notifications were delayed; median delay 48 minutes, maximum 2 "
                "h 10 min.",
                "Some delivery notifications arrived after the delivery; 95 support contacts.",
                "Android notifications were unaffected.",
            ],
            "contributing_factors": [
                "APNs provider tokens are valid for one hour. The refresh runs in a background "
                "thread, which crashed after an HTTP/2 library upgrade while the service kept "
                "running.",
                "Rejected pushes count as retries rather than errors, so the error-rate alert "
                "stayed quiet.",
                "The retry backoff was tuned for short Apple outages and grew to 30 minutes.",
            ],
            "went_well": [
                "Nothing was lost; every notification was eventually delivered.",
                "The fix was small and safe to deploy.",
            ],
            "went_wrong": [
                "The support team noticed the pattern first, 50 minutes in.",
                "The retry queue backlog was not on any dashboard.",
            ],
            "got_lucky": [
                "The upgrade reached production on a weekday morning.",
            ],
            "lessons": [
                "A background thread the service depends on is part of the service's health. If "
                "it stops, the health check fails.",
            ],
        },
        "trigger": (
            "APNs provider token expires; the refresh thread has not run since the morning deploy."
        ),
        "detected": (
            "Support reports customers receiving delivery notifications late; the mobile on-call, "
            "Chloé Dubois, is paged."
        ),
        "steps": [
            (75, "action", "Push service logs show `ExpiredProviderToken` on every APNs request."),
            (100, "action", "Token refresh thread found stopped since the HTTP/2 library "
             "upgrade."),
        ],
        "fix": "Patched push service deployed; token refreshed and the retry queue drains.",
        "actions": [
            ("Health check fails when the APNs token is older than 50 minutes",
             "detect", "high", 10, "done"),
            ("Alert on push retry queue depth", "detect", "medium", 14, "done"),
            ("Cap push retry backoff at 5 minutes", "mitigate", "low", 30, "open"),
        ],
    },
    {
        "team": "mobile",
        "severity": "SEV2",
        "owner": "mateo",
        "authors": ["grace"],
        "title": "Android 7.14.0 crash loop on launch after upgrade",
        "description": (
            "Android 7.14.0 crashed on launch for users upgrading from versions older than 7.10: "
            "a local database migration assumed a column that older installs did not have. The "
            "staged rollout was halted at 20%."
        ),
        "services": ["Android app"],
        "start": (36, "16:05"),
        "detect": 41,
        "mitigate": 95,
        "resolve": 1320,
        "postmortem": "published",
        "tags": ["Mobile release", "Deploy"],
        "sections": {
            "summary": (
                "Android release 7.14.0 included a local database migration that assumed the "
                "`last_synced_at` column added in 7.10. Users upgrading directly from an older "
                "version, about 9% of active users, crashed on every launch. The staged rollout "
                "was at 20% when crash reports crossed the alert threshold. We halted it, "
                "disabled the new sync feature remotely so users who had not opened the app yet "
                "skipped the migration, and shipped 7.14.1 the next day."
            ),
            "impact": [
                "**Users:** about 14,600 Android users crashed on launch, many repeatedly, over "
                "22 hours.",
                "**Crash-free sessions** on Android fell from 99.6% to 97.1% for the day.",
                "**Play Store:** 180 one-star reviews mentioning crashes; the rating moved from "
                "4.6 to 4.5.",
                "**Support:** 340 tickets. Reinstalling fixed the crash but lost offline drafts.",
            ],
            "contributing_factors": [
                "The migration was tested on upgrades from the previous two versions, as the "
                "release checklist asks; older starting versions were not in the test matrix.",
                "9% of active users skip several versions at once, more than we assumed; the "
                "release dashboard does not show that number.",
                "The crash alert watches the crash-free rate of all sessions. At 20% rollout the "
                "crashing group was a small share of sessions, so the alert took 41 minutes.",
                "Android lets us halt a staged rollout but not take the update back from users "
                "who already have it.",
            ],
            "went_well": [
                "The staged rollout limited exposure to 20% of users.",
                "The remote flag protected users who had the update but had not opened it yet.",
                "Support had a reply with reinstall steps within the hour.",
            ],
            "went_wrong": [
                "The overall crash-free rate hid a group of users crashing 100% of the time.",
                "The hotfix needed store review, which took 14 hours.",
                "Reinstalling loses unsynced drafts, and we had no way to warn crashing users "
                "before they reinstalled.",
            ],
            "got_lucky": [
                "The release went out on a Tuesday; on a Friday the crash loop would have run "
                "through the weekend review queue.",
                "iOS 7.14.0, which shares the migration code, was still in review and was pulled "
                "before release.",
            ],
            "lessons": [
                "Upgrade tests follow the real version distribution of our users, not a fixed "
                "number of versions back.",
                "Crash alerts per release version catch a failing group of users early.",
                "A migration needs a safe fallback: if it fails, the app starts with a fresh "
                "local cache instead of crashing.",
            ],
        },
        "timeline": [
            (0, "action", "Android 7.14.0 staged rollout starts at 20%."),
            (41, "detection", "Crash-free rate alert fires; the mobile on-call, Mateo Alvarez, "
             "is paged."),
            (48, "action", "Crash reports point to `SQLiteException: no such column: "
             "last_synced_at` in the 7.14.0 migration."),
            (52, "action", "Staged rollout halted in the Play Console."),
            (55, "escalation", "Grace Liu joins; the iOS 7.14.0 submission is pulled from "
             "review as a precaution."),
            (70, "communication", "Support publishes a reply with reinstall steps; the in-app "
             "banner cannot reach users who crash on launch."),
            (95, "mitigation", "Remote flag disables the new sync feature; users who have not "
             "launched 7.14.0 yet skip the migration."),
            (380, "action", "7.14.1 with a guarded migration submitted for Play review."),
            (1220, "action", "7.14.1 approved; rollout to 100%."),
            (1320, "resolution", "Crash-free rate back above 99.5%; incident resolved."),
        ],
        "actions": [
            ("Build the upgrade test matrix from the live version distribution",
             "prevent", "high", 21, "done"),
            ("Crash-rate alert per release version", "detect", "high", 14, "done"),
            ("Recreate the local cache when a migration fails instead of crashing",
             "mitigate", "high", 45, "in_progress"),
            ("Keep unsynced drafts outside the local cache database",
             "mitigate", "medium", 90, "open"),
            ("Show the share of users skipping versions on the release dashboard",
             "detect", "low", 30, "open"),
        ],
    },
    {
        "team": "data",
        "severity": "SEV4",
        "owner": "hannah",
        "title": "Revenue dashboard showed the previous day's figures",
        "description": (
            "The executive revenue dashboard showed the previous day's figures until mid-morning "
            "because the warehouse refresh waited on a stuck upstream table lock."
        ),
        "services": ["Warehouse"],
        "start": (31, "07:30"),
        "detect": 90,
        "mitigate": 150,
        "resolve": 200,
        "postmortem": None,
    },
    {
        "team": "payments",
        "severity": "SEV3",
        "owner": "elena",
        "title": "Ledger reconciliation failed on JPY amounts after rounding change",
        "description": (
            "Nightly reconciliation flagged 3,800 false mismatches after a money library upgrade "
            "changed rounding for zero-decimal currencies. Finance's morning close was delayed."
        ),
        "services": ["Ledger"],
        "start": (29, "05:00"),
        "detect": 60,
        "mitigate": 240,
        "resolve": 420,
        "postmortem": "draft",
        "tags": ["Deploy"],
        "sections": {
            "summary": (
                "The nightly reconciliation between the ledger and the payment provider "
                "settlement files flagged 3,800 mismatches after a shared money library started "
                "rounding zero-decimal currencies (JPY, KRW) differently. Reconciliation was "
                "paused and finance's morning close was delayed by about five hours."
            ),
            "impact": [
                "No money moved incorrectly; the mismatches were in the comparison only.",
                "3,800 JPY and KRW settlement lines flagged; finance close delayed by 5 hours.",
                "Payouts to 12 merchants in Japan were held for a day while balances were "
                "confirmed.",
            ],
            "contributing_factors": [
                "Version 3.0 of the money library rounds to each currency's minor unit instead of "
                "a fixed two decimals; reconciliation relied on the old behaviour.",
                "Reconciliation tests use EUR and USD fixtures only.",
                "The upgrade arrived in a batch of dependency updates merged together.",
            ],
        },
        "trigger": "Reconciliation job runs for the first time with the new money library.",
        "detected": "Reconciliation mismatch alert pages the payments on-call, Elena Rossi.",
        "steps": [
            (120, "action", "Every mismatch is in JPY or KRW and differs only in decimals."),
            (180, "escalation", "Finance told that the close is delayed; payouts in Japan held."),
        ],
        "fix": "Reconciliation re-run with the previous library version; mismatches clear.",
        "closing": (
            "Settlement balances confirmed and the held payouts in Japan released; incident "
            "resolved."
        ),
        "actions": [
            ("Add zero-decimal currencies to the reconciliation fixtures",
             "prevent", "high", 7, "done"),
            ("Pin the rounding mode explicitly in the ledger", "prevent", "high", 10, "done"),
            ("Report mismatch spikes as one alert instead of thousands of rows",
             "detect", "medium", 40, "open"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV3",
        "owner": "jonas",
        "title": "CDN purge rate limit left pages with stale JavaScript",
        "description": (
            "A frontend release purged assets file by file and hit the CDN purge rate limit. Some "
            "visitors got new HTML with old JavaScript, breaking search and the cart button."
        ),
        "services": ["CDN"],
        "start": (26, "14:00"),
        "detect": 12,
        "mitigate": 55,
        "resolve": 95,
        "postmortem": "published",
        "tags": ["Deploy", "Third party"],
        "sections": {
            "summary": (
                "A frontend release purged cached assets file by file instead of by tag and hit "
                "the CDN provider's purge rate limit halfway through. For 55 minutes some "
                "visitors received the new HTML with old JavaScript bundles, and the search box "
                "and cart button did not work for them."
            ),
            "impact": [
                "About 8% of page views loaded mismatched assets.",
                "Add-to-cart events were 7% below normal for the hour.",
                "The mobile apps were unaffected.",
            ],
            "contributing_factors": [
                "The release tool's purge step changed from purge-by-tag to per-file purges "
                "during the asset pipeline migration.",
                "Asset bundles are not content-hashed, so old and new files share names.",
                "The CDN's rate-limit response was logged as a warning and the release reported "
                "success.",
            ],
            "went_well": [
                "Real-user monitoring showed the JavaScript errors within 12 minutes.",
                "A full purge by tag cleared the problem in one step.",
            ],
            "went_wrong": [
                "The release reported success although a third of the purges failed.",
                "We could not tell quickly which pages had stale assets.",
            ],
            "got_lucky": [
                "The release was hours before the evening sales campaign at 18:00.",
            ],
            "lessons": [
                "Content-hashed filenames make purging assets unnecessary, which removes this "
                "whole class of problem.",
            ],
        },
        "trigger": "Frontend release deployed; asset purge starts, one file at a time.",
        "detected": (
            "Real-user monitoring alert on JavaScript errors pages the platform on-call, Jonas "
            "Becker."
        ),
        "steps": [
            (25, "action", "Release log shows CDN 429 responses to 1,900 purge requests."),
            (40, "communication", "#announcements: some visitors see a broken search box; a fix "
             "is in progress."),
        ],
        "fix": "Full purge by tag; pages load consistent assets again.",
        "actions": [
            ("Content-hash all frontend asset filenames", "prevent", "high", 21, "in_progress"),
            ("Fail the release when any purge request fails", "detect", "high", 7, "done"),
            ("Restore purge-by-tag in the release tool", "mitigate", "medium", 7, "done"),
        ],
    },
    {
        "team": "payments",
        "severity": "SEV2",
        "owner": "daniel",
        "authors": ["sofia"],
        "title": "Ledger writes read-only for 18 minutes after database failover",
        "description": (
            "A planned failover of the ledger Postgres cluster promoted the replica, but the "
            "ledger service kept its connections to the old primary, now read-only. Payments were "
            "accepted and their ledger entries queued for 18 minutes."
        ),
        "services": ["Ledger", "Postgres"],
        "start": (21, "09:12"),
        "detect": 2,
        "mitigate": 18,
        "resolve": 47,
        "postmortem": "in_review",
        "tags": ["Database", "Config change"],
        "sections": {
            "summary": (
                "During a planned minor-version upgrade, the ledger Postgres cluster failed over "
                "to its replica as designed. The ledger service's connection pool kept its "
                "connections to the old primary, which had restarted as a read-only replica, so "
                "every ledger write failed with `cannot execute INSERT in a read-only "
                "transaction`. Checkout kept accepting payments and queued the ledger writes. "
                "Restarting the ledger service reconnected it, and the queue drained with no lost "
                "entries."
            ),
            "impact": [
                "**Duration:** ledger writes failed for 18 minutes; the write queue was empty "
                "again after 47 minutes.",
                "**Payments** were unaffected for customers: 2,350 payments were authorised and "
                "their ledger entries written late.",
                "**Merchant balances** in the dashboard were up to 40 minutes out of date.",
                "**Payouts:** the 10:00 payout batch started 35 minutes late so that balances "
                "were complete.",
            ],
            "contributing_factors": [
                "The connection pool resolves the database hostname at start-up. After the "
                "failover, DNS pointed at the new primary, but existing connections stayed on the "
                "old one.",
                "The old primary came back as a replica and accepted connections, so the pool saw "
                "healthy connections that rejected writes, not broken ones it would replace.",
                "The maintenance runbook includes restarting the ledger after failover, but the "
                "step names a service from before the pooler migration.",
            ],
            "went_well": [
                "Checkout's write queue absorbed every ledger write; no money movement was lost "
                "or duplicated.",
                "The ledger write-error alert paged within 2 minutes.",
                "The people running the maintenance were already on a call, so escalation was "
                "immediate.",
            ],
            "went_wrong": [
                "Connecting the read-only errors to stale pooled connections took 12 minutes; the "
                "first suspicion was a failed promotion.",
                "The runbook's restart step named a service that no longer exists, so it read as "
                "not applicable.",
                "Merchants saw nothing telling them that balances were delayed.",
            ],
            "got_lucky": [
                "The write queue holds 30 minutes of peak volume; at 09:00 volume it was about a "
                "third full.",
                "The incident ended before the 10:00 payout batch would have used incomplete "
                "balances.",
            ],
            "lessons": [
                "A failover test that only checks the database is half a test: the clients are "
                "part of it.",
                "Runbooks used a few times a year drift. Running them in staging before each "
                "maintenance keeps them true.",
            ],
        },
        "timeline": [
            (-10, "communication", "Maintenance announced in #payments: ledger Postgres minor "
             "upgrade with a failover."),
            (0, "action", "Replica promoted; the old primary restarts as a read-only replica "
             "and ledger writes start failing."),
            (2, "detection", "Ledger write-error alert pages the payments on-call, Elena Rossi."),
            (5, "escalation", "Incident declared SEV2; Daniel Kim is incident commander."),
            (9, "action", "Promotion confirmed; `pg_stat_activity` on the old primary shows 64 "
             "ledger connections."),
            (14, "action", "Stale pooled connections identified; decision to restart the ledger "
             "service."),
            (18, "mitigation", "Ledger service restarted; writes succeed and the queue drains."),
            (25, "communication", "Finance and merchant support told that balances and the "
             "10:00 payout batch are delayed."),
            (47, "resolution", "Write queue empty; reconciliation finds no missing entries. "
             "Incident resolved."),
        ],
        "actions": [
            ("Pool re-resolves the primary and drops connections that reject writes",
             "prevent", "high", 30, "in_progress"),
            ("Add client reconnection checks to the staging failover test",
             "process", "medium", 18, "open"),
            ("Fix the restart step in the ledger maintenance runbook",
             "process", "high", 3, "done"),
            ("Banner in the merchant dashboard when balances are delayed",
             "mitigate", "low", 45, "open"),
        ],
    },
    {
        "team": "payments",
        "severity": "SEV2",
        "owner": "daniel",
        "authors": ["elena"],
        "restricted": True,
        "title": "Payment provider API key exposed in CI build logs",
        "description": (
            "The live API key for the secondary payment provider was printed into CI build logs "
            "by a test debugging change. The key was rotated and the logs deleted; no use of the "
            "key from outside our systems was found."
        ),
        "services": ["Checkout API"],
        "start": (17, "10:05"),
        "detect": 26,
        "mitigate": 64,
        "resolve": 240,
        "postmortem": "in_review",
        "tags": ["Security"],
        "sections": {
            "summary": (
                "A debugging change to the checkout integration test printed request headers, "
                "including the live API key for our secondary payment provider, into CI build "
                "logs. Everyone with access to CI could read those logs. The secret scanner "
                "flagged them 26 minutes later; we rotated the key, deleted the logs and reviewed "
                "the provider's audit log. We found no use of the key from outside our systems."
            ),
            "impact": [
                "No customer or payment data was accessed; the provider's audit log shows no "
                "requests from outside our IP ranges during the exposure.",
                "The key was readable in 3 build logs for 64 minutes by 41 CI users, including 2 "
                "contractor accounts.",
                "Card payments through the secondary provider failed for 4 minutes while services "
                "picked up the new key.",
            ],
            "contributing_factors": [
                "The integration test uses the live key because the provider's sandbox does not "
                "support the 3-D Secure flow we test.",
                "CI masks secrets defined as CI variables. This key was read from the secret "
                "store at runtime, so it was not masked.",
                "Printing headers is a common, reasonable debugging step, and nothing in the test "
                "helpers marks headers as sensitive.",
            ],
            "went_well": [
                "The secret scanner found the key in CI logs within 26 minutes.",
                "The provider supports two active keys, so most of the rotation was seamless.",
                "Security and payments worked the incident together from the first minute.",
            ],
            "went_wrong": [
                "Services needed a restart to load the new key, which caused the 4-minute payment "
                "failure.",
                "Deleting CI logs needs a CI administrator, who was in another time zone.",
            ],
            "got_lucky": [
                "The secret scanner had been extended to CI logs a month earlier.",
            ],
            "lessons": [
                "Live credentials in test environments are a risk even when every log is "
                "internal. Tests that need a live provider get a restricted, low-limit key.",
                "Secret masking follows the secret store, not only CI variables.",
            ],
        },
        "trigger": "CI build prints the full request headers of the checkout integration test.",
        "detected": (
            "Secret scanner alert on CI logs pages security; the payments lead, Daniel Kim, joins."
        ),
        "steps": [
            (32, "escalation", "Incident marked restricted; security and payments leads only."),
            (45, "action", "Build logs deleted; provider audit log export requested."),
        ],
        "fix": "Key rotated, services restarted with the new key, old key revoked.",
        "actions": [
            ("Restricted, low-limit provider key for CI", "prevent", "high", 14, "in_progress"),
            ("Mask every value read from the secret store in CI logs",
             "prevent", "high", 10, "done"),
            ("Reload provider credentials without a restart", "mitigate", "medium", 30, "open"),
            ("Quarterly review of contractor access to CI logs", "process", "low", 21, "open"),
        ],
    },
    {
        "team": "data",
        "severity": "SEV2",
        "owner": "hannah",
        "title": "Schema registry outage blocked event producers",
        "description": (
            "During a broker upgrade the schema registry's storage topic lost its in-sync "
            "replicas and the registry went read-only. Services could not register schemas at "
            "start-up, so deploys failed and autoscaling stalled."
        ),
        "services": ["Kafka"],
        "start": (13, "13:25"),
        "detect": 3,
        "mitigate": 41,
        "resolve": 88,
        "postmortem": "draft",
        "tags": ["Database", "Capacity"],
        "sections": {
            "summary": (
                "During a rolling broker upgrade, the `_schemas` topic that stores the schema "
                "registry's data dropped to one in-sync replica, and the registry went read-only. "
                "Running producers kept working from cache, but services starting up could not "
                "register their schemas and crashed on boot. Nine services failed to deploy and "
                "two autoscaled services could not add capacity for 41 minutes."
            ),
            "impact": [
                "Deploys of 9 services failed; 14 more deploys were queued.",
                "Checkout and search could not scale out during the lunchtime peak; p95 latency "
                "rose 40%.",
                "No events were lost.",
            ],
            "contributing_factors": [
                "The `_schemas` topic was created years ago with replication factor 2, below our "
                "default of 3.",
                "The broker upgrade runbook checks under-replicated partitions on application "
                "topics only.",
                "Services register their schemas on every start-up, even when they already exist.",
            ],
        },
        "trigger": "Broker 3 restarted for the upgrade; `_schemas` drops to one in-sync replica.",
        "detected": (
            "Deploy failures and registry 5xx alerts page the data on-call, Hannah Schmidt."
        ),
        "steps": [
            (15, "action", "Registry logs show writes rejected: not enough replicas."),
            (28, "action", "Broker upgrade paused; broker 3 back in the cluster."),
        ],
        "fix": "Replica back in sync; the registry accepts writes and queued deploys proceed.",
        "actions": [
            ("Raise the `_schemas` replication factor to 3", "prevent", "high", 3, "done"),
            ("Runbook checks under-replicated partitions on internal topics",
             "process", "medium", 14, "open"),
            ("Look up schemas before registering them at start-up",
             "prevent", "medium", 21, "open"),
        ],
    },
    {
        "team": "mobile",
        "severity": "SEV4",
        "owner": "mateo",
        "title": "Beta banner shown to all app users after flag targeting change",
        "description": (
            "A targeting rule for the beta programme was saved with the audience 'any user'. "
            "Every app user saw the beta invitation banner for 31 minutes."
        ),
        "services": ["iOS app", "Android app"],
        "start": (11, "17:00"),
        "detect": 25,
        "mitigate": 31,
        "resolve": 45,
        "postmortem": "draft",
        "tags": ["Config change", "Mobile release"],
        "sections": {
            "summary": (
                "A targeting rule for the beta programme was edited to add a new tester group, "
                "and the rule was saved with the audience 'any user' instead of 'users in group'. "
                "For 31 minutes every app user saw the beta invitation banner, and about 2,100 "
                "users joined the beta list."
            ),
            "impact": [
                "About 2,100 users joined the beta list unintentionally; they were removed the "
                "same day and received no beta builds.",
                "No functional impact.",
            ],
        },
        "trigger": "Beta programme flag targeting rule saved.",
        "detected": (
            "The product manager notices a spike in beta sign-ups and messages the mobile "
            "on-call, Mateo Alvarez."
        ),
        "steps": [
            (28, "action", "Flag audit log shows the targeting change."),
        ],
        "fix": "Targeting rule restored; the banner disappears.",
        "actions": [
            ("Flag editor shows the effective audience before saving",
             "prevent", "medium", 21, "open"),
            ("Remove unintended beta sign-ups", "mitigate", "high", 1, "done"),
        ],
    },
    {
        "team": "platform",
        "severity": "SEV3",
        "owner": "marcus",
        "title": "Health check flapping drained healthy API nodes",
        "description": (
            "The API health check started calling the database. A short database latency spike "
            "failed health checks everywhere and the load balancers drained 14 of 20 nodes."
        ),
        "services": ["Load balancers", "Postgres"],
        "start": (9, "21:10"),
        "detect": 8,
        "mitigate": 36,
        "resolve": 70,
        "postmortem": "draft",
        "tags": ["Config change", "Capacity"],
        "sections": {
            "summary": (
                "A change to the API health check made it query the database. During a short "
                "database latency spike, health checks timed out on most API nodes at once, and "
                "the load balancers drained 14 of 20 nodes. The remaining six were overloaded for "
                "36 minutes."
            ),
            "impact": [
                "About 4% of API requests failed with 503.",
                "p95 latency doubled for the remaining requests.",
            ],
            "contributing_factors": [
                "Liveness and readiness share one health check, which depends on the database.",
                "A node is drained after two failed checks 5 s apart, so a 10-second database "
                "blip can drain the whole pool.",
            ],
        },
        "trigger": "Database latency spike; API health checks start timing out.",
        "detected": "API error-rate alert pages the platform on-call, Marcus Webb.",
        "steps": [
            (15, "action", "Load balancers show 14 of 20 API nodes out of rotation."),
        ],
        "fix": "Health check reverted to a process-only check; nodes return to rotation.",
        "actions": [
            ("Split liveness from readiness; readiness ignores shared dependencies",
             "prevent", "high", 14, "in_progress"),
            ("Load balancers keep at least half the pool regardless of health checks",
             "mitigate", "medium", 21, "open"),
        ],
    },
    {
        "team": "data",
        "severity": "SEV4",
        "owner": "kavya",
        "title": "Kafka broker restart caused brief consumer rebalances",
        "description": (
            "Broker 2 was restarted after an out-of-memory kill, causing two minutes of consumer "
            "rebalances. Consumers caught up within ten minutes; no data was lost."
        ),
        "services": ["Kafka"],
        "start": (4, "04:10"),
        "detect": 2,
        "mitigate": 9,
        "resolve": 15,
        "postmortem": None,
    },
    {
        "team": "payments",
        "severity": "SEV2",
        "owner": "tom",
        "title": "Checkout API 5xx after database connection pool exhaustion",
        "description": (
            "A marketing email drove a traffic spike that exhausted the checkout database "
            "connection pool; about 9% of checkout requests returned 5xx. Mitigated by raising "
            "the pool size and switching off recommendation calls during checkout."
        ),
        "services": ["Checkout API", "Postgres"],
        # Resolved 80 hours before `now` with no postmortem: the escalation reminder is due.
        "hours_ago": 82.5,
        "detect": 6,
        "mitigate": 74,
        "resolve": 150,
        "postmortem": None,
    },
    {
        "team": "platform",
        "severity": "SEV2",
        "owner": "aisha",
        "title": "Search index rebuild saturated the primary database",
        "description": (
            "A scheduled search index rebuild read from the primary database instead of the "
            "replica after a config refactor. Primary CPU reached 100% and about 5% of website "
            "and API requests timed out until the rebuild was stopped."
        ),
        "services": ["Postgres", "Checkout API"],
        # Resolved 30 hours before `now` with no postmortem: the 24-hour reminder is due.
        "hours_ago": 32.25,
        "detect": 4,
        "mitigate": 50,
        "resolve": 135,
        "postmortem": None,
    },
    {
        "team": "mobile",
        "severity": "SEV3",
        "owner": "chloe",
        "title": "iOS sign-in with company SSO ends on a blank screen",
        "description": (
            "iOS users who sign in with company SSO see a blank screen after authenticating. "
            "Rolling back a redirect allowlist change fixed new sign-ins; users stuck in the flow "
            "need to restart the app. Monitoring before resolving."
        ),
        "services": ["iOS app", "Auth API"],
        "hours_ago": 6.33,
        "detect": 22,
        "mitigate": 95,
        "postmortem": None,
    },
    {
        "team": "platform",
        "severity": "SEV2",
        "owner": "priya",
        "title": "Elevated 502s from eu-west load balancers",
        "description": (
            "Load balancers in eu-west return 502 for about 3% of requests. Backends look "
            "healthy; investigating a connection-tracking limit on two balancer nodes."
        ),
        "services": ["Load balancers"],
        "hours_ago": 0.85,
        "detect": 4,
        "postmortem": None,
    },
]
# fmt: on
