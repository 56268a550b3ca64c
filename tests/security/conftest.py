import pytest

from .world import build_world


@pytest.fixture
def world(db, settings, tmp_path):
    """The sweeps' world (see world.py); uploads go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world()
