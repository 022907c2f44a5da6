"""csp_analysis: crime and anti-social behaviour profiles for Community Safety Partnerships."""

__version__ = "0.1.0"
