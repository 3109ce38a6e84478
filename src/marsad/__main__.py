"""``python -m marsad`` runs the command line."""

from marsad.cli import app

if __name__ == "__main__":
    app(prog_name="marsad")
