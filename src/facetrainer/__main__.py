from facetrainer.cli import main

raise SystemExit(main())
