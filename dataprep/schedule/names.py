"""The curriculum's choices by name (light: the command line's --help reads them)."""

PACINGS = ("linear", "root", "exponential", "baby_steps", "random", "sorted", "anti")
PACED = ("linear", "root", "exponential", "baby_steps")
DRAWS = ("uniform", "iid", "rounds")
