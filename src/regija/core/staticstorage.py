"""Static files with content-hashed names, compressed once when collected (WhiteNoise).

`regija up` and a deployment's `regija collectstatic` write every file under STATIC_ROOT twice – as
``site.css`` and ``site.3f2a9c.css`` – plus a ``.gz`` of each; pages link the hashed name, which
WhiteNoise serves with a year's cache lifetime and gzip to browsers that accept it. A checkout that
never collected (tests, ``regija runserver``) links the plain name, which WhiteNoise serves from the
app folders, instead of failing on the missing manifest.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected yet: the file is served by name from its app folder
            return name
