"""The base of the routers' response models (``response_model``), so the OpenAPI document names
every JSON body. ``Body`` keeps any key a model does not list (the JSON stays exactly what the
service returned); ``Number`` keeps an integer an integer where a figure may be either."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import Table

Number = int | float
UNSET: dict[str, Any] = {"response_model_exclude_unset": True}  # the JSON keeps the service's keys, no more


class Body(BaseModel):
    model_config = ConfigDict(extra="allow")


def row_model(name: str, table: Table, *, exclude: tuple[str, ...] = (), base: type[Body] = Body,
              doc: str | None = None) -> type[Body]:
    """A response model with one field per column of ``table`` (a row as the API returns it): the
    column's Python type, ``| None`` when the column is nullable. A freshly created row may lack
    columns, so none is required; routes answer with ``response_model_exclude_unset=True`` (``UNSET``)
    and the JSON holds exactly the keys the service returned."""
    fields: dict[str, Any] = {}
    for column in table.columns:
        if column.name in exclude:
            continue
        kind: Any = column.type.python_type
        fields[column.name] = (kind | None if column.nullable else kind, None)
    model = create_model(name, __base__=base, **fields)
    model.__doc__ = doc or f"A row of the ``{table.name}`` table."
    return model
