import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Load every view module now, then move everything loaded so far out of the garbage
# collector's sight: those objects live as long as the process, and without this
# each full collection walks all of them again, pausing the request that triggers
# it several times longer (bench/README.md, "The benchmark loads the app as gunicorn
# does", has the numbers).
import config.urls  # noqa: E402, F401

gc.collect()
gc.freeze()
