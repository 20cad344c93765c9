"""The bundled demo places of Velenje (``data/velenje.geojson``): defibrillators, drinking fountains, free
WiFi points, bus stops and heritage sites of the Municipality of Velenje (organisation ``mov``, which the
bundled strategy of Velenje brings). Their positions and details are illustrative – approximate, not
taken from a source – and each says so (``illustrative``, its source). Loading again writes nothing when
nothing changed (places matched by their codes)."""

from __future__ import annotations

from pathlib import Path

from regija.core.models import Organisation

from . import fileformat, services

DEMO = Path(__file__).parent / "data" / "velenje.geojson"
OWNER = "mov"


def load_demo() -> services.Imported | None:
    """Load (or refresh) the demo places; None when their organisation is not in the database."""
    owner = Organisation.objects.filter(slug=OWNER).first()
    if owner is None:
        return None
    rows = fileformat.read(DEMO.name, DEMO.read_bytes())
    return services.import_places(None, owner, rows, via="import")
