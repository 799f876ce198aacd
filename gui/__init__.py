"""Confluence Task Tray: watch Confluence long-running tasks from the tray and the command line."""

__version__ = "0.1.0"

APP_NAME = "Confluence Task Tray"
APP_ID = "confluence-task-tray"
