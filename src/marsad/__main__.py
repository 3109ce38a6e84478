"""``python -m marsad`` runs the command line (:func:`marsad.entry.main`)."""

from marsad.entry import main

if __name__ == "__main__":
    main()
