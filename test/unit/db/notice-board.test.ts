/** The in-process notice board (src/db/in-process-notices.ts) on its own: held until commit, listeners isolated. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoticeBoard } from '../../../src/db/in-process-notices.ts';

describe('NoticeBoard', () => {
  afterEach(() => vi.restoreAllMocks());

  it('holds a transaction’s notices until committed(), in order, on their channel only', () => {
    const board = new NoticeBoard();
    const heard: string[] = [];
    board.listen('a', (p) => heard.push(`a:${p}`));
    board.listen('b', (p) => heard.push(`b:${p}`));
    const tx = board.transaction();
    tx.notify('a', '1');
    tx.notify('b', '2');
    expect(heard).toEqual([]);
    tx.committed();
    expect(heard).toEqual(['a:1', 'b:2']);
    const rolledBack = board.transaction();
    rolledBack.notify('a', 'never');
    expect(heard).toEqual(['a:1', 'b:2']);
  });

  it('reports a throwing listener as a warning; the sender and the other listeners carry on', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const board = new NoticeBoard();
    const heard: string[] = [];
    board.listen('a', () => {
      throw new Error('listener broke');
    });
    const stop = board.listen('a', (p) => heard.push(p));
    expect(() => board.notify('a', 'x')).not.toThrow();
    expect(heard).toEqual(['x']);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener broke' }), 'TresorNoticeListener');
    stop();
    board.notify('a', 'y');
    expect(heard).toEqual(['x']);
  });
});
