import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOUBLE_CLICK_MS, OpenGesture } from '../../src/core/openGesture';

describe('OpenGesture', () => {
  it('previews a single click', () => {
    const gesture = new OpenGesture();
    assert.equal(gesture.opened('a', 1000), 'preview');
    assert.equal(gesture.opened('b', 5000), 'preview');
  });

  it('pins the second open of the same run within the double-click time', () => {
    const gesture = new OpenGesture();
    assert.equal(gesture.opened('a', 1000), 'preview');
    assert.equal(gesture.opened('a', 1000 + DOUBLE_CLICK_MS - 1), 'pinned');
    // A third click starts over rather than counting as another double click.
    assert.equal(gesture.opened('a', 1000 + DOUBLE_CLICK_MS), 'preview');
  });

  it('does not pin a quick click on another run, or a slow second click', () => {
    const gesture = new OpenGesture();
    gesture.opened('a', 1000);
    assert.equal(gesture.opened('b', 1100), 'preview');
    assert.equal(gesture.opened('b', 1100 + DOUBLE_CLICK_MS + 1), 'preview');
  });

  it('pins the open that follows Enter, once', () => {
    const gesture = new OpenGesture();
    gesture.armPin(1000);
    assert.equal(gesture.opened('a', 1200), 'pinned');
    assert.equal(gesture.opened('b', 5000), 'preview');
  });

  it('forgets an Enter that opened nothing', () => {
    const gesture = new OpenGesture();
    gesture.armPin(1000);
    assert.equal(gesture.opened('a', 1000 + DOUBLE_CLICK_MS * 10), 'preview');
  });
});
