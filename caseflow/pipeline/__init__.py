"""Where the event contract meets the domain: translation both ways and the offline runner."""
