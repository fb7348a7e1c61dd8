"""Mixpeek's domain objects (wire shapes are in ``views``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bucket:
    id: str
    name: str
    description: str | None
    schema: dict
    metadata: dict
    created_at: int


@dataclass(frozen=True)
class Principal:
    """An API key acting in one namespace (DESIGN decision 29)."""

    key: str
    namespace: str

    @property
    def id(self) -> str:
        return self.key[:7] + "..."


@dataclass
class Deletion:
    task_id: str
    bucket: Bucket
