"""The web chat launcher: `python app.py [options]` is `qa serve [options]` (the page lives in qa/web.py)."""

import sys

from qa.web import main

if __name__ == "__main__":
    sys.exit(main())
