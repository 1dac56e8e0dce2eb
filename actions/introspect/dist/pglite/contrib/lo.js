import{j as e}from"../chunk-ZSOCVAT7.js";e();var t=async(n,s)=>({bundlePath:new URL("../lo.tar.gz",import.meta.url)}),r={name:"lo",setup:t};export{r as lo};
//# sourceMappingURL=lo.js.map