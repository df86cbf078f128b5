"""Fixtures for the scheduler tests (no Flask app needed)."""
import copy
import json
from pathlib import Path

import pytest

INSTANCES = Path(__file__).resolve().parents[3] / "shared" / "data" / "instances"


@pytest.fixture(scope="session")
def tiny_json():
    return json.loads((INSTANCES / "tiny.json").read_text())


@pytest.fixture(scope="session")
def medium_json():
    return json.loads((INSTANCES / "medium.json").read_text())


@pytest.fixture
def tiny(tiny_json):
    return copy.deepcopy(tiny_json)
