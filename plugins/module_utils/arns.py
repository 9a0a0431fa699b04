# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names read from ARNs. No botocore: the doctor's filters import it in every worker that templates them."""

import re


def secret_name(secret_arn):
    """A secret's name from its ARN, without the six characters Secrets Manager appends (a partial ARN has none)."""
    name = secret_arn.split(":secret:", 1)[-1]
    return re.sub(r"-[A-Za-z0-9]{6}$", "", name)
