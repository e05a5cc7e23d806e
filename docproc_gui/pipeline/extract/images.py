"""Images (PNG, JPEG, GIF, TIFF, BMP, WebP): OCR with tesseract, or "needs OCR".

Pillow checks the image can be decoded (a damaged image is "corrupt") and guards against
decompression bombs. Multi-page TIFFs are OCR'd page by page up to the OCR page cap.
"""

from __future__ import annotations

import warnings

from PIL import Image, ImageSequence, UnidentifiedImageError

from docproc_gui.domain import CorruptDocumentError, DocumentTooLargeError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.extract.ocr import ocr_image, tesseract_path
from docproc_gui.pipeline.limits import TextBuffer


def extract_image(path: str, options: ExtractOptions) -> Extraction:
    result = Extraction(unit="image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                result.pages = getattr(image, "n_frames", 1)
                result.extra.update(width=image.width, height=image.height, mode=image.mode)
                if not options.ocr or tesseract_path() is None:
                    result.needs_ocr = True
                    result.reasons.append(
                        "image without OCR: tesseract is not installed"
                        if options.ocr
                        else "image without OCR: OCR is switched off"
                    )
                    image.load()  # still prove it decodes
                    return result
                buffer = TextBuffer(options.limits.max_text_chars)
                frames = 1 if image.format == "GIF" else options.limits.max_ocr_pages
                for index, frame in enumerate(ImageSequence.Iterator(image)):
                    if index >= frames:
                        break
                    buffer.add(ocr_image(frame.copy(), options.ocr_languages, options.ocr_timeout))
                    result.ocr_pages += 1
                result.text = buffer.text("\n\f")
                result.truncated = buffer.truncated
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DocumentTooLargeError(f"image too large to decode safely: {error}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise CorruptDocumentError(f"damaged image: {error}") from None
    return result
