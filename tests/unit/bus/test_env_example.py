import re
from pathlib import Path

from services.bus.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_env_example_lists_every_setting_and_nothing_else():
    listed = set(re.findall(r"^(FM6SS_[A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M))
    expected = {f"FM6SS_{name.upper()}" for name in Settings.model_fields}
    assert listed == expected
