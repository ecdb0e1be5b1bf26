"""Crawler settings (FM6SS_CRAWLER_*): politeness, limits and identity of the bot.

Shared settings (broker, Redis, retries) stay in services.bus.settings; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class CrawlerSettings(BaseSettings):
    """Every variable is listed in deploy/env.example."""

    model_config = SettingsConfigDict(env_prefix="FM6SS_CRAWLER_", extra="ignore", frozen=True)

    bot_name: str = Field(default="FM6SS-Watch", pattern=r"^[A-Za-z0-9_-]+$", description="robots.txt token")
    contact_url: str = Field(default="https://example.invalid/fm6ss-watch", description="in the User-Agent")
    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    total_timeout_s: float = Field(default=120.0, gt=0, description="deadline for one body, against trickles")
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_page_bytes: int = Field(default=5 * MIB, ge=1024, description="decoded bytes of an article page")
    max_feed_bytes: int = Field(default=50 * MIB, ge=1024, description="decoded bytes of a feed or sitemap")
    max_robots_bytes: int = Field(default=512 * 1024, ge=1024)
    default_delay_s: float = Field(default=2.0, ge=0, description="between two requests to one host")
    max_delay_s: float = Field(default=60.0, ge=0, description="cap on a robots.txt Crawl-delay")
    max_concurrency_per_host: int = Field(default=2, ge=1)
    max_inline_wait_s: float = Field(default=15.0, ge=0, description="longer waits retry the task later")
    robots_ttl_s: int = Field(default=24 * 3600, ge=60)
    robots_error_ttl_s: int = Field(default=600, ge=10, description="disallow-all after a 5xx or timeout")
    allow_hosts: str = Field(
        default="", description="comma-separated hosts, IPs, CIDRs or host:port the SSRF guard lets by"
    )
    sources_file: Path | None = Field(default=None, description="defaults to the packaged data/sources.yaml")
    max_urls_per_source: int = Field(default=5000, ge=1)
    max_sitemaps_per_source: int = Field(default=20, ge=1, description="nested sitemaps read per discovery")
    max_history_pages: int = Field(
        default=500, ge=1, description="backfill: sitemaps, feed pages or listing pages read per source"
    )
    max_history_urls: int = Field(default=20000, ge=1, description="backfill: article URLs kept per source")
    google_news_url: str = Field(
        default="https://news.google.com", description="where Google News decoding requests go (tests: local)"
    )
    news_retries: int = Field(default=3, ge=0, le=10, description="tries again on HTTP 429 from news search")
    news_max_decodes: int = Field(default=40, ge=1, description="Google News items decoded a discovery")
    news_backoff_s: float = Field(default=5.0, gt=0, description="first wait after a 429; doubles each try")
    gdelt_url: str = Field(
        default="https://api.gdeltproject.org/api/v2/doc/doc", description="the GDELT DOC 2.0 API endpoint"
    )
    gdelt_interval_s: float = Field(default=5.0, ge=5.0, description="between two GDELT requests, shared")
    retry_base_s: float = Field(default=30.0, gt=0)
    retry_max_s: float = Field(default=3600.0, gt=0)

    @property
    def user_agent(self) -> str:
        return f"{self.bot_name}/0.1 (+{self.contact_url})"

    @property
    def allow_list(self) -> tuple[str, ...]:
        return tuple(item.strip() for item in self.allow_hosts.split(",") if item.strip())
