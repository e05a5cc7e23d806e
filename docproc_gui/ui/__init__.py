"""The desktop window (QtWidgets/QtGui/pyqtgraph live here and in ``docproc_gui.app`` only)."""
