import { expect } from 'chai';
import { mkdir, mkdtemp, realpath, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isInside, pathInside } from '../../harness/io/path-inside.js';

describe('isInside / pathInside: is this path inside that folder', () => {
  it('a file beneath the folder, at any depth, with its path from the folder', () => {
    expect(pathInside('/a/b', '/a/b/c')).to.equal('c');
    expect(pathInside('/a/b', '/a/b/c/d.json')).to.equal(path.join('c', 'd.json'));
    expect(isInside('/a/b', '/a/b/c/d.json')).to.equal(true);
  });

  it('the folder itself is inside, as the empty path', () => {
    expect(pathInside('/a/b', '/a/b')).to.equal('');
    expect(isInside('/a/b', '/a/b')).to.equal(true);
  });

  it('a trailing separator, . and .. say nothing', () => {
    expect(pathInside('/a/b/', '/a/b/c')).to.equal('c');
    expect(pathInside('/a/b', '/a/b/')).to.equal('');
    expect(pathInside('/a/./b', '/a/x/../b/c')).to.equal('c');
    expect(isInside('/a/b/', '/a/b/c/..')).to.equal(true);
  });

  it('a sibling sharing a prefix, the parent and elsewhere are outside', () => {
    expect(isInside('/a/b', '/a/bc')).to.equal(false);
    expect(isInside('/a/b', '/a/bc/d')).to.equal(false);
    expect(isInside('/a/b', '/a')).to.equal(false);
    expect(isInside('/a/b', '/')).to.equal(false);
    expect(isInside('/a/b', '/x/a/b')).to.equal(false);
    expect(isInside('/a/b', '/a/b/../c')).to.equal(false);
  });

  it('a name inside that only begins with two dots is inside (it was taken for the parent)', () => {
    expect(pathInside('/a/b', '/a/b/..junit.xml')).to.equal('..junit.xml');
    expect(pathInside('/a/b', '/a/b/...')).to.equal('...');
  });

  it('everything is inside the root', () => {
    expect(pathInside('/', '/a/b')).to.equal(path.join('a', 'b'));
    expect(isInside('/', '/')).to.equal(true);
  });

  it('relative paths are resolved from the working folder', () => {
    expect(pathInside('runs', path.join(process.cwd(), 'runs', 'x'))).to.equal('x');
    expect(isInside(process.cwd(), 'runs/x')).to.equal(true);
    expect(isInside('runs', 'runs2/x')).to.equal(false);
  });

  it('compares paths as written: through a link once the caller gives realpaths', async () => {
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'path-inside-')));
    await mkdir(path.join(dir, 'real'));
    await symlink(path.join(dir, 'real'), path.join(dir, 'link'));
    expect(isInside(path.join(dir, 'link'), path.join(dir, 'real', 'f'))).to.equal(false);
    expect(isInside(await realpath(path.join(dir, 'link')), path.join(dir, 'real', 'f'))).to.equal(true);
  });
});
