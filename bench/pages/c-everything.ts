// Page (c): everything the main entry exports, kept alive (nothing can be tree-shaken).
import * as everything from 'rx-presence';

console.log(everything);
