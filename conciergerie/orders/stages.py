"""The names of an item's stages (a label on the desk's screens, in the history's notes).

Apart from items.py so that the history's notes (notes.py), which items.py writes, can name a
stage without importing items.py back."""

from __future__ import annotations

from flask_babel import gettext as _

from conciergerie.models import ItemStage


def stage_label(stage: ItemStage) -> str:
    return {
        ItemStage.EXPECTED: _("Attendu"),
        ItemStage.AT_DESK: _("Au comptoir"),
        ItemStage.AT_PROVIDER: _("Chez le prestataire"),
        ItemStage.READY: _("Prêt chez le prestataire"),
        ItemStage.BACK_AT_DESK: _("De retour au comptoir"),
        ItemStage.HANDED_OVER: _("Remis au client"),
    }[stage]
