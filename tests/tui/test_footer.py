"""The footer at 80 columns: every key it shows fits, the way out comes first; the wide footer shows all."""

from __future__ import annotations

from drilldown_app import screen_lines, settle
from drilldown_journal import add_batch, new_journal

from tui.app import make_app


async def test_an_80_column_footer_fits_and_a_wide_one_shows_every_key(journal_path, emulator):
    await new_journal(journal_path)
    add_batch(journal_path, 1, 20)                         # an ended batch: Retry, Export and Delete apply
    app = make_app(journal_path=journal_path, api_key="test-key", base_url=emulator.base_url, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.ready.wait()
        await settle(app, pilot)
        footer = screen_lines(app)[-1].rstrip()
        assert footer.startswith("? Help q Quit") and footer.endswith("D Delete"), footer
        assert len(footer) <= 80 and "Sort" not in footer and "Mark" not in footer
        await pilot.resize_terminal(130, 30)
        await settle(app, pilot)
        wide = screen_lines(app)[-1]
        for word in ("Sort", "Mark", "Export", "Delete", "palette"):
            assert word in wide, wide
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert screen_lines(app)[-1].rstrip() == footer
