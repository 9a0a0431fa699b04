"""Keep a Lambda function's DeadLetterConfig, which moto 5.2.5 drops.

Without it amazon.aws.lambda sees ``dead_letter_arn`` differ on every run and reports changed.
AWS semantics: CreateFunction / UpdateFunctionConfiguration set it; an empty TargetArn removes it;
GetFunction / GetFunctionConfiguration return it only when set.
"""

from moto.awslambda.models import LambdaFunction

_original_init = LambdaFunction.__init__
_original_get_configuration = LambdaFunction.get_configuration
_original_update_configuration = LambdaFunction.update_configuration


def _store(function, dead_letter_config):
    target = (dead_letter_config or {}).get("TargetArn")
    function.dead_letter_config = {"TargetArn": target} if target else None


def _init(self, account_id, spec, *args, **kwargs):
    _original_init(self, account_id, spec, *args, **kwargs)
    _store(self, spec.get("DeadLetterConfig"))


def _get_configuration(self, *args, **kwargs):
    config = _original_get_configuration(self, *args, **kwargs)
    if getattr(self, "dead_letter_config", None):
        config["DeadLetterConfig"] = dict(self.dead_letter_config)
    return config


def _update_configuration(self, config_updates):
    if "DeadLetterConfig" in config_updates:
        _store(self, config_updates["DeadLetterConfig"])
    return _original_update_configuration(self, config_updates)


def install():
    LambdaFunction.__init__ = _init
    LambdaFunction.get_configuration = _get_configuration
    LambdaFunction.update_configuration = _update_configuration
