# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # AMP applies changes asynchronously; how the modules wait for it (module_utils.amp.wait_options and wait_for).
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until AMP reports the resource C(ACTIVE), or gone with O(state=absent).
      - A resource that ends in C(CREATION_FAILED) or C(UPDATE_FAILED) fails the task with AMP's
        C(statusReason).
      - With O(wait=false) the task returns as soon as AMP has accepted the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true); the task then fails naming the last status seen.
    type: int
    default: 600
"""
