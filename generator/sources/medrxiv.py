"""medRxiv: the preprints posted on the digest's dates in the lab's categories (see `_rxiv`)."""

from __future__ import annotations

from pydantic import Field

from ._rxiv import RxivSettings, RxivSource, Server

__all__ = ["ENV", "SERVER", "Settings", "source"]

SERVER = Server(name="medrxiv", label="medRxiv", site="https://www.medrxiv.org")

ENV = {"DIGEST_MEDRXIV_URL": "url"}  # the demo and tests point it elsewhere


class Settings(RxivSettings):
    """`DIGEST['sources']['medrxiv']`: medRxiv's details API and the categories to keep."""

    url: str = Field(
        "https://api.biorxiv.org/details/medrxiv",
        description="medRxiv details API, asked `<url>/<from>/<to>/<cursor>` (env DIGEST_MEDRXIV_URL)",
    )


def source(settings: Settings) -> RxivSource:
    return RxivSource(SERVER, settings)
