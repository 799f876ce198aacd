"""What the user sees: the main window, the task table and its delegate, the tray."""
