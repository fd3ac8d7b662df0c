import sys

from training.loop.pipeline import main

sys.exit(main())
