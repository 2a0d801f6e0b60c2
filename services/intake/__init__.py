"""The intake service: partner events in, judged, recorded, republished (docs/intake.md)."""
