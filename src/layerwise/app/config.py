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
from ..optim import SCHEDULES

__all__ = ["TrainConfig", "ConfigError", "load_config", "apply_overrides", "config_from_dict", "parse_value"]

MODELS = ("fc", "two_layer", "cnn", "three_layer_cnn")


class ConfigError(ValueError):
    """A configuration file or override is invalid."""


def _key(default, help_text, **kwargs):
    """A config field with its one-line meaning (shown by ``layerwise train --help``)."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help_text}, **kwargs)
    return field(default=default, metadata={"help": help_text}, **kwargs)


@dataclass
class TrainConfig:
    """Everything that defines a training run; recorded in the run directory so it can be rerun exactly."""

    dataset: str = _key("digits", "digits (embedded, offline), cifar10 or cifar100 (from data_root)")
    model: str = _key("fc", "fc (FullyConnectedNet), two_layer, cnn (ConvNet) or three_layer_cnn")
    hidden_dims: list = _key([128, 64], "hidden layer sizes (two_layer, three_layer_cnn: one size)")
    normalization: typing.Optional[str] = _key("batchnorm", "batchnorm, layernorm (fc) or null (fc, cnn)")
    dropout_keep_ratio: typing.Optional[float] = _key(1.0, "probability of keeping a hidden unit, 1: off (fc, cnn)")
    weight_scale: typing.Union[float, str] = _key("he", "std of the initial weights, or he / xavier")
    reg: float = _key(1e-4, "L2 strength: 0.5 * reg * sum(W**2) over the weights")
    blocks: typing.Optional[list] = _key([32, "pool", 64, "pool"],
                                         "conv filters and 'pool' in order (cnn; three_layer_cnn: [F, 'pool'])")
    update_rule: str = _key("adam", "sgd, sgd_momentum, sgd_nesterov_momentum, adagrad, rmsprop, adam or adamw")
    learning_rate: float = _key(1e-3, "the (base) learning rate")
    lr_decay: typing.Optional[float] = _key(0.95, "learning rate x lr_decay after every epoch (not with lr_schedule)")
    lr_schedule: typing.Optional[str] = _key(None, "step, step_iterations, cosine or warmup (replaces lr_decay)")
    batch_size: int = _key(64, "examples per minibatch")
    num_epochs: typing.Optional[int] = _key(15, "epochs to train (not with num_iterations)")
    num_iterations: typing.Optional[int] = _key(None, "iterations to train, instead of num_epochs")
    augment: bool = _key(False, "random crops and flips of the training batches")
    patience: typing.Optional[int] = _key(None, "stop after this many epochs without a better validation accuracy")
    num_training: typing.Optional[int] = _key(None, "use only the first N training images")
    seed: int = _key(0, "seed of the weights, minibatches and augmentation")
    data_root: typing.Optional[str] = _key(None, "data folder (default $LAYERWISE_DATA); recorded resolved")
    out_dir: str = _key("runs", "parent folder of the run directories")
    name: typing.Optional[str] = _key(None, "run directory name (default dataset-model-timestamp)")
    #: The keys given explicitly (config file, --set), as opposed to defaults; not a setting.
    given: frozenset = field(default=frozenset(), repr=False, compare=False, metadata={"help": None})

    def to_dict(self) -> dict:
        """The settings as they train (see :meth:`resolved`), as written to ``config.json``."""
        resolved = self.resolved()
        return {f.name: getattr(resolved, f.name) for f in dataclasses.fields(self) if f.name != "given"}

    def _validate_blocks(self) -> None:
        if not isinstance(self.blocks, list) or not self.blocks:
            raise ConfigError(f"blocks must list numbers of filters and 'pool'; got {self.blocks!r}")
        for item in self.blocks:
            if item not in ("pool", "M"):
                _checked(integer, item, "every entry of blocks (a number of filters, or 'pool')", 1)
        filters = [b for b in self.blocks if b not in ("pool", "M")]
        if self.model == "three_layer_cnn" and "blocks" in self.given and len(filters) != 1:
            raise ConfigError(f"model 'three_layer_cnn' has one convolution: blocks takes one number of filters, "
                              f"e.g. [32]; got {self.blocks}")

    def validate(self) -> "TrainConfig":
        """Refuse, before any folder is made, what would train something else than the config says."""
        if self.dataset not in DATASETS:
            raise ConfigError(f"dataset must be one of {', '.join(DATASETS)}; got {self.dataset!r}")
        if self.model not in MODELS:
            raise ConfigError(f"model must be one of {', '.join(MODELS)}; got {self.model!r}")
        for key, models in USED_BY.items():
            if key in self.given and getattr(self, key) is not None and self.model not in models:
                raise ConfigError(f"{key} does not apply to model {self.model!r} (it is used by "
                                  f"{', '.join(models)}); remove it or choose one of those models")
        for key, low, none_ok in (("batch_size", 1, False), ("num_epochs", 1, True), ("num_iterations", 1, True),
                                  ("num_training", 1, True), ("patience", 1, True), ("seed", 0, False)):
            _checked(integer, getattr(self, key), key, low, none_ok=none_ok)
        if not self.hidden_dims and self.model in ("fc", "two_layer", "three_layer_cnn"):
            raise ConfigError(f"hidden_dims must list at least one layer size for model {self.model!r}; got []")
        if self.model in ("two_layer", "three_layer_cnn") and "hidden_dims" in self.given \
                and len(self.hidden_dims) != 1:
            raise ConfigError(f"model {self.model!r} has one hidden layer: hidden_dims takes one size, "
                              f"got {self.hidden_dims}")
        for size in self.hidden_dims:
            _checked(integer, size, "every entry of hidden_dims", 1)
        if self.model in ("cnn", "three_layer_cnn") and self.blocks is not None:
            self._validate_blocks()
        if {"num_epochs", "num_iterations"} <= self.given and None not in (self.num_epochs, self.num_iterations):
            raise ConfigError("give num_epochs or num_iterations, not both")
        if {"lr_decay", "lr_schedule"} <= self.given and self.lr_schedule is not None and self.lr_decay not in (None, 1):
            raise ConfigError("give lr_decay or lr_schedule, not both (a schedule sets the learning rate itself)")
        if self.lr_schedule is not None and self.lr_schedule not in SCHEDULES:
            raise ConfigError(f"lr_schedule must be one of {', '.join(SCHEDULES)} or null; got {self.lr_schedule!r}")
        for key in ("learning_rate",) + (("lr_decay",) if self.lr_decay is not None else ()):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{key} must be a positive finite number; got {value!r}")
        if not (math.isfinite(self.reg) and self.reg >= 0):
            raise ConfigError(f"reg must be a non-negative finite number; got {self.reg!r}")
        if self.dropout_keep_ratio is not None and not 0 < self.dropout_keep_ratio <= 1:
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

    def resolved(self) -> "TrainConfig":
        """The config as it trains: keys its model does not use set to None, one-layer models' single
        size, the length of the run and the learning-rate policy in one spelling each.  This is what
        ``config.json`` and the report record."""
        values = {key: None for key, models in USED_BY.items() if self.model not in models}
        if self.model in ("two_layer", "three_layer_cnn"):
            values["hidden_dims"] = self.hidden_dims[:1]
        if self.model == "three_layer_cnn" and "blocks" not in self.given:
            values["blocks"] = [self.blocks[0] if self.blocks else 32, "pool"]
        if self.num_iterations is not None:
            values["num_epochs"] = None
        if self.lr_schedule is not None:
            values["lr_decay"] = None
        return dataclasses.replace(self, **values)


#: The models each model-specific key applies to (a key given for another model is refused).
USED_BY = {
    "normalization": ("fc", "cnn"),
    "dropout_keep_ratio": ("fc", "cnn"),
    "blocks": ("cnn", "three_layer_cnn"),
}

#: Spellings users reach for, and the key that means it.
ALIASES = {"lr": "learning_rate", "epochs": "num_epochs", "max_epochs": "num_epochs", "iterations": "num_iterations",
           "dropout": "dropout_keep_ratio", "keep_prob": "dropout_keep_ratio", "wd": "reg", "weight_decay": "reg",
           "l2": "reg", "bs": "batch_size", "schedule": "lr_schedule", "optimizer": "update_rule",
           "hidden_dim": "hidden_dims", "hidden_size": "hidden_dims"}


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
    if key not in _FIELDS or key == "given":
        settings = [k for k in _FIELDS if k != "given"]
        close = [ALIASES[key]] if key in ALIASES else difflib.get_close_matches(key, settings, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown config key {key!r}{hint}; known keys: {', '.join(settings)}")


def config_from_dict(values: dict, base: TrainConfig | None = None) -> TrainConfig:
    """A TrainConfig from a mapping, refusing unknown keys and wrong types."""
    config = dataclasses.replace(base) if base is not None else TrainConfig()
    for key, value in values.items():
        _check_key(key)
        setattr(config, key, _coerce(key, value))
    config.given = frozenset(config.given | set(values))
    return config.validate()


def _yaml_loader():
    """PyYAML's SafeLoader, also reading ``1e-4`` as a number (YAML 1.1 would read it as text)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
            repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
            if repeated:
                raise yaml.YAMLError(f"key {repeated[0]!r} is given twice (line {node.start_mark.line + 1})")
            return super().construct_mapping(node, deep=deep)
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
            values = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
        else:
            values = yaml.load(text, Loader=_yaml_loader())
    except errors as exc:
        first = " ".join(str(exc).split())   # parsers' messages span lines
        raise ConfigError(f"{what} {path} could not be parsed: {first}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{what} {path} must hold a mapping of keys to values, got {type(values).__name__}")
    return values


def _refuse_repeated_keys(pairs):
    keys = [key for key, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"key {repeated[0]!r} is given twice")
    return dict(pairs)


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
        pass
    if text.lstrip().startswith(("[", "{")):   # a YAML flow list such as [32, 'pool'] (quotes a shell keeps)
        try:
            import yaml
            return yaml.load(text, Loader=_yaml_loader())
        except ImportError:
            pass
        except yaml.YAMLError as exc:
            raise ConfigError(f"could not parse the value {text!r}: {' '.join(str(exc).split())}") from None
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
