"""Branch offices and the municipalities they serve."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model


class Office(Model):
    """A branch office of the county's integration management."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    consultation_hours: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="office", order_by="Municipality.name"
    )

    def __str__(self) -> str:
        return self.name


class Municipality(Model):
    """A town or municipality (Stadt / Gemeinde) with its official key (AGS)."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="Gemeinde")
    ags: Mapped[str | None] = mapped_column(String(8), unique=True)
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("office.id", ondelete="SET NULL"), index=True
    )

    office: Mapped[Office | None] = relationship(back_populates="municipalities")

    def __str__(self) -> str:
        return self.name
