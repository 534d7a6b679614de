"""Exercise checkers: ``check.<exercise>(your_function)`` prints PASSED or the first thing wrong.

Each notebook's exercises have their checkers in a module of this package;
all of them are reachable from here. ``check_function`` is the shared engine.
"""

from ._core import CheckResult, check_function, check_stable, random_cases, NOT_IMPLEMENTED  # noqa: F401
from ._fallback import original, use  # noqa: F401
from .regression import *  # noqa: F401,F403
from .cost_functions import *  # noqa: F401,F403
from .linear_collapse import *  # noqa: F401,F403
from .forward_prop import *  # noqa: F401,F403
from .backprop import *  # noqa: F401,F403
from .digits import *  # noqa: F401,F403
from .training_well import *  # noqa: F401,F403
from .autodiff import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
