"""Run configuration: a typed dataclass, read from YAML or TOML and ``key=value`` overrides.

Unknown keys and values of the wrong type are refused with a one-line
message naming the key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import integer
from ..data.load import DATASETS

__all__ = ["TrainConfig", "ConfigError", "load_config", "apply_overrides", "config_from_dict", "parse_value"]

MODELS = ("fc", "two_layer", "cnn", "three_layer_cnn")


class ConfigError(ValueError):
    """A configuration file or override is invalid."""


@dataclass
class TrainConfig:
    """Everything that defines a training run; recorded in the run directory so it can be rerun exactly."""

    dataset: str = "digits"
    model: str = "fc"
    hidden_dims: list = field(default_factory=lambda: [128, 64])
    normalization: typing.Optional[str] = "batchnorm"
    dropout_keep_ratio: float = 1.0
    weight_scale: typing.Union[float, str] = "he"
    reg: float = 1e-4
    blocks: list = field(default_factory=lambda: [32, "pool", 64, "pool"])
    update_rule: str = "adam"
    learning_rate: float = 1e-3
    lr_decay: float = 0.95
    batch_size: int = 64
    num_epochs: int = 15
    augment: bool = False
    patience: typing.Optional[int] = None
    num_training: typing.Optional[int] = None
    seed: int = 0
    data_root: typing.Optional[str] = None
    out_dir: str = "runs"
    name: typing.Optional[str] = None

    def validate(self) -> "TrainConfig":
        """Refuse, before any folder is made, what would train something else than the config says."""
        if self.dataset not in DATASETS:
            raise ConfigError(f"dataset must be one of {', '.join(DATASETS)}; got {self.dataset!r}")
        if self.model not in MODELS:
            raise ConfigError(f"model must be one of {', '.join(MODELS)}; got {self.model!r}")
        for key, low, none_ok in (("batch_size", 1, False), ("num_epochs", 1, False), ("num_training", 1, True),
                                  ("patience", 1, True), ("seed", 0, False)):
            _checked(integer, getattr(self, key), key, low, none_ok=none_ok)
        if not self.hidden_dims and self.model in ("fc", "two_layer"):
            raise ConfigError(f"hidden_dims must list at least one layer size for model {self.model!r}; got []")
        for size in self.hidden_dims:
            _checked(integer, size, "every entry of hidden_dims", 1)
        for key in ("learning_rate", "lr_decay"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{key} must be a positive finite number; got {value!r}")
        if not (math.isfinite(self.reg) and self.reg >= 0):
            raise ConfigError(f"reg must be a non-negative finite number; got {self.reg!r}")
        if not 0 < self.dropout_keep_ratio <= 1:
            raise ConfigError(f"dropout_keep_ratio (the probability of keeping a unit) must be in (0, 1]; "
                              f"got {self.dropout_keep_ratio!r}")
        if isinstance(self.weight_scale, str):
            if self.weight_scale not in ("he", "xavier"):
                raise ConfigError(f"weight_scale must be a positive number, 'he' or 'xavier'; got {self.weight_scale!r}")
        elif not (math.isfinite(self.weight_scale) and self.weight_scale > 0):
            raise ConfigError(f"weight_scale must be a positive number, 'he' or 'xavier'; got {self.weight_scale!r}")
        if self.name is not None and (not self.name or Path(self.name).name != self.name or self.name in (".", "..")):
            raise ConfigError(f"name must be a plain folder name inside out_dir (no '/' or '..'); got {self.name!r}")
        return self


def _checked(check, *args, **kwargs):
    """``check(*args, **kwargs)`` with its ValueError as a ConfigError."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_HINTS = typing.get_type_hints(TrainConfig)


def _coerce(key, value):
    """Check ``value`` against the type of field ``key`` (ints are accepted for floats)."""
    hint = _HINTS[key]
    allowed = typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)
    for t in allowed:
        t = typing.get_origin(t) or t
        if t is type(None) and value is None:
            return None
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if t is list and isinstance(value, (list, tuple)):
            return list(value)
        if t not in (float, list, type(None)) and isinstance(value, t) and not (t is int and isinstance(value, bool)):
            return value
    names = " or ".join(getattr(t, "__name__", str(t)).replace("NoneType", "null") for t in allowed)
    raise ConfigError(f"config key {key!r} expects {names}; got {value!r} ({type(value).__name__})")


def _check_key(key):
    if key not in _FIELDS:
        close = difflib.get_close_matches(key, _FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown config key {key!r}{hint}; known keys: {', '.join(_FIELDS)}")


def config_from_dict(values: dict, base: TrainConfig | None = None) -> TrainConfig:
    """A TrainConfig from a mapping, refusing unknown keys and wrong types."""
    config = dataclasses.replace(base) if base is not None else TrainConfig()
    for key, value in values.items():
        _check_key(key)
        setattr(config, key, _coerce(key, value))
    return config.validate()


def _yaml_loader():
    """PyYAML's SafeLoader, also reading ``1e-4`` as a number (YAML 1.1 would read it as text)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
                                 list("-+0123456789"))
    return Loader


def read_mapping(path, what: str = "config file") -> dict:
    """The mapping in a YAML (.yaml/.yml), TOML (.toml) or JSON (.json) file; one-line errors."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} does not exist")
    if path.suffix not in (".yaml", ".yml", ".toml", ".json"):
        raise ConfigError(f"{what} {path} must end in .yaml, .yml, .toml or .json")
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ConfigError(f"reading YAML needs PyYAML: pip install 'layerwise[tools]' "
                              f"(or write the {what} as TOML or JSON)") from None
        errors = (yaml.YAMLError,)
    else:
        errors = (ValueError,)               # tomllib.TOMLDecodeError and json.JSONDecodeError are ValueErrors
    try:
        if path.suffix == ".toml":
            import tomllib
            values = tomllib.loads(text)
        elif path.suffix == ".json":
            values = json.loads(text)
        else:
            values = yaml.load(text, Loader=_yaml_loader())
    except errors as exc:
        first = " ".join(str(exc).split())   # parsers' messages span lines
        raise ConfigError(f"{what} {path} could not be parsed: {first}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{what} {path} must hold a mapping of keys to values, got {type(values).__name__}")
    return values


def load_config(path) -> TrainConfig:
    """Read a YAML, TOML or JSON file of TrainConfig keys."""
    return config_from_dict(read_mapping(path))


def parse_value(text: str):
    """Parse the value of a ``key=value`` override: JSON/YAML scalars and lists, else a string."""
    lowered = text.strip().lower()
    if lowered in ("none", "null", "~"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return float(text)       # 1e-3 is not JSON
    except ValueError:
        return text


def apply_overrides(config: TrainConfig, overrides) -> TrainConfig:
    """Apply ``["key=value", ...]`` to a copy of ``config``."""
    values = {}
    for item in overrides or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {item!r}")
        values[key.strip()] = parse_value(value)
    return config_from_dict(values, base=config)
