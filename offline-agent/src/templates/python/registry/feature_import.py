from app.features import __MODULE__
