from .startup import run

run()  # noqa: E702
