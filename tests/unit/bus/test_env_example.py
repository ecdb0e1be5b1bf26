import re
from pathlib import Path

from pydantic_settings import BaseSettings

from services.bus.settings import Settings
from services.crawler.settings import CrawlerSettings
from services.store.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[3]


def variables(cls: type[BaseSettings]) -> set[str]:
    prefix = cls.model_config.get("env_prefix", "")
    return {f"{prefix}{name.upper()}" for name in cls.model_fields}


def test_env_example_lists_every_setting_and_nothing_else():
    listed = set(re.findall(r"^(FM6SS_[A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M))
    assert listed == variables(Settings) | variables(CrawlerSettings) | variables(StoreSettings)
