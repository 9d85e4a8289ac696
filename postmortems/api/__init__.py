"""The JSON API under /api/v1/ (django-ninja): personal tokens, same rules as the pages.

Every handler finds its objects through postmortems/permissions.py, parses input with
the forms of postmortems/forms.py (through api/forms.py, which names teams, people and
services by their public keys) and writes through postmortems/services/.
"""
