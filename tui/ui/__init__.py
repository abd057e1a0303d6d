"""The Textual app: screens, widgets, themes; widgets post messages up."""
