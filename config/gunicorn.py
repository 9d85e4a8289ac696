"""gunicorn's settings, for every way the app is served: `gunicorn -c python:config.gunicorn`.

GET forms put their filters in the request line. Non-ASCII words cost 9 bytes a
character once percent-encoded, so a search with every filter filled in can pass
gunicorn's default of 4094 bytes. 8190 is the most gunicorn allows; a longer line is
answered 414 by gunicorn itself, before the app sees it.
"""

limit_request_line = 8190
limit_request_field_size = 8190
# The app writes its own access log (config/middleware.py), so gunicorn's stays off.
accesslog = None
