"""Cancelling the countdown around the moment it runs out, on the host: every
answer says what happened. A 200 means nothing was loaded or booted; once the
countdown has fired, a cancel gets 409 "already_booting", never a 200 or a
"no_countdown" while the default entry boots anyway. The stand-in kexec holds
its `-e` (a handover under way), so the boot is still going when the last
cancel lands."""
import threading
import time

from kbootd_host import Kbootd

CANCELS = 12          # per run, one every CANCEL_STEP_S
CANCEL_STEP_S = 0.04
SETTLE_S = 1.5        # after the last answer: long enough for a boot to reach kexec


def cancel_burst(server, start_after_s):
    """CANCELS cancels from parallel threads, start_after_s after kbootd
    listens; their answers as (status, code)."""
    s = server.session()
    answers, lock = [], threading.Lock()
    t0 = time.monotonic()

    def cancel(at):
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        r = s.post(server.url("/autoboot/cancel"), timeout=30)
        code = r.json()["error"]["code"] if r.status_code != 200 else None
        with lock:
            answers.append((r.status_code, code))
    threads = [threading.Thread(target=cancel, args=(start_after_s + i * CANCEL_STEP_S,))
               for i in range(CANCELS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_cancel_at_the_end_of_the_countdown_tells_the_truth(tmp_path):
    # The countdown (1 s) starts before kbootd listens: the first run's
    # cancels come before it ends, the last run's after, the middle one's
    # around it.
    outcomes = []
    for run, start_after_s in enumerate((0.0, 0.5, 0.8, 1.6)):
        server = Kbootd(tmp_path / ("run%d" % run), timeout=1)
        server.kexec_hold.write_text("")
        server.start()
        try:
            answers = cancel_burst(server, start_after_s)
            time.sleep(SETTLE_S)
            loaded = [c for c in server.kexec_calls() if "-l" in c]
            ok = [a for a in answers if a[0] == 200]
            if ok:
                assert len(ok) == 1, answers
                assert not loaded, "a cancel answered 200, and then kexec ran: %s" % server.kexec_calls()
                assert sorted(answers)[1:] == [(409, "no_countdown")] * (CANCELS - 1), answers
                outcomes.append("cancelled")
            else:
                assert loaded, answers  # nobody stopped it: the default entry boots
                assert answers == [(409, "already_booting")] * CANCELS, answers
                st = server.session().get(server.url("/status"), timeout=10).json()
                assert st["state"] == "booting", st
                outcomes.append("booted")
        finally:
            server.stop()
    # Both sides of the race were seen (the first run cancels, the last boots).
    assert outcomes[0] == "cancelled" and outcomes[-1] == "booted", outcomes
