"""The web process loads only what serving pages needs: no speech model, no PyAV."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.portal.builders import REPO, SLUG, BuiltArchive

HEAVY = ("av", "faster_whisper", "ctranslate2", "onnxruntime")

_SERVE = textwrap.dedent("""
    import json, sys
    from portal import create_app

    app = create_app({"ARCHIVE_HOME": sys.argv[1], "SECRET_KEY": "k"})
    client = app.test_client()
    statuses = {url: client.get(url).status_code for url in sys.argv[2:]}
    print(json.dumps({"statuses": statuses, "heavy": sorted(m for m in %r if m in sys.modules)}))
""")


def test_serving_pages_imports_neither_the_speech_model_nor_pyav(built_archive: BuiltArchive):
    urls = [
        "/",
        f"/sessions/{built_archive.slug}",
        f"/sessions/{SLUG}/transcript.vtt",
        "/search?q=capteurs",
        "/api/search?q=capteurs",
        "/auth/login",
    ]
    result = subprocess.run(
        [sys.executable, "-c", _SERVE % (HEAVY,), str(built_archive.settings.home), *urls],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == dict.fromkeys(urls, 200)
    assert report["heavy"] == []
