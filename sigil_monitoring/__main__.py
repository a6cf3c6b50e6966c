from .startup import run

run()
