"""Single sign-on through django-allauth: OpenID Connect and SAML 2.0.

    oidc.py       the OpenID Connect provider, with the id_token's signature checked
    claims.py     what an identity provider said about a person (reads)
    services.py   the user and team memberships a sign-in makes (writes)
    adapters.py   allauth's hooks: refusals, provisioning, failures, audit
    views.py      the sign-in start and callback, the error page
    providers.py  the sign-in page's buttons

Configuration comes from the environment only (config/sso.py, README "Single sign-on").
"""
