"""What the side-by-side report calls a difference: canonical XML and JSON, pixels."""

import io

from PIL import Image

from stack.repro.compare import compare


def png(colour: tuple[int, int, int], box: tuple[int, int, int, int] | None = None) -> bytes:
    image = Image.new("RGB", (10, 10), (255, 255, 255))
    if box:
        image.paste(colour, box)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_xml_equal_up_to_attribute_order_and_whitespace_is_the_same() -> None:
    a = b'<?xml version="1.0"?><r b="2" a="1">\n  <x>1</x>\n</r>'
    b = b'<?xml version="1.0"?><r a="1" b="2"><x>1</x></r>'

    assert compare(a, "text/xml", b, "text/xml").kind == "same"


def test_xml_that_differs_shows_a_diff_of_the_changed_line() -> None:
    found = compare(b"<r><pos>6.1 49.6</pos></r>", "text/xml", b"<r><pos>49.6 6.1</pos></r>", "text/xml")

    assert found.kind == "text"
    assert "-  <pos>6.1 49.6</pos>" in found.diff and "+  <pos>49.6 6.1</pos>" in found.diff


def test_json_key_order_does_not_count() -> None:
    assert (
        compare(b'{"a":1,"b":[1,2]}', "application/json", b'{"b":[1,2],"a":1}', "application/json").kind
        == "same"
    )


def test_images_give_the_share_of_differing_pixels_and_a_difference_image() -> None:
    found = compare(png((0, 0, 0)), "image/png", png((0, 0, 0), (0, 0, 5, 2)), "image/png")

    assert found.kind == "image"
    assert found.share == 0.1  # 10 of 100 pixels
    assert Image.open(io.BytesIO(found.diff_png)).size == (10, 10)
